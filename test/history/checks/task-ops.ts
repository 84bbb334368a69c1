import { F, taskAnswerSchema, type TaskAnswer, type TaskStateName } from '../history-format.js';
import { returnIndex, type Operation } from '../history-ops.js';
import type { TaskModelOp } from '../linearizability/task-state-model.js';
import type { LinearOp } from '../linearizability/wgl-search.js';
import type { Anomaly } from './property-result.js';

const TASK_FS = new Set<string>([F.send, F.get, F.cancel, F.subscribe, F.resubscribe, F.log]);
const isSubscription = (f: string): boolean => f === F.subscribe || f === F.resubscribe;

/** A task operation with its answer read. */
export interface TaskOperation {
  operation: Operation;
  taskId: string;
  /** A send invoked without a task id: it creates the task. */
  create: boolean;
  /** The answer, for every completion whose value is one (a cut stream's `info` still reports what it read). */
  answer: TaskAnswer | undefined;
}

export interface TaskOperations {
  byTask: Map<string, TaskOperation[]>;
  malformed: Anomaly[];
  /** Sends that may have created a task whose id nobody learnt: nothing can be said about them. */
  anonymous: Operation[];
}

/** The task operations of a history, by task id (from the key, else from the answer). */
export function taskOperations(operations: readonly Operation[]): TaskOperations {
  const byTask = new Map<string, TaskOperation[]>();
  const malformed: Anomaly[] = [];
  const anonymous: Operation[] = [];
  for (const operation of operations) {
    if (!TASK_FS.has(operation.f)) continue;
    let answer: TaskAnswer | undefined;
    // Every completion's value is read: a stream cut by a fault still reports the events it got.
    if (operation.completion !== undefined) {
      const parsed = taskAnswerSchema.safeParse(operation.value ?? {});
      if (parsed.success) answer = parsed.data;
      else if (operation.type === 'ok') {
        malformed.push({ kind: 'malformed', ops: [operation.completion.index], explanation: `the ${operation.f} answer is not a task answer: ${parsed.error.issues[0]?.message ?? ''}` });
        continue;
      }
    }
    const taskId = operation.key ?? answer?.taskId;
    const create = operation.f === F.send && (operation.invoke.key ?? undefined) === undefined;
    if (taskId === undefined || taskId === null) {
      if (operation.f === F.send && operation.type !== 'fail') anonymous.push(operation);
      continue;
    }
    let list = byTask.get(taskId);
    if (list === undefined) byTask.set(taskId, (list = []));
    list.push({ operation, taskId, create, answer });
  }
  return { byTask, malformed, anonymous };
}

/** One task's operations as the state model's operations (`fail` ones had no effect; reads that did not answer tell nothing). */
export function taskModelOps(ops: readonly TaskOperation[]): LinearOp<TaskModelOp>[] {
  const out: LinearOp<TaskModelOp>[] = [];
  for (const op of ops) {
    const payload = modelOp(op);
    if (payload !== undefined) out.push({ call: op.operation.invoke.index, ret: returnIndex(op.operation), payload });
  }
  return out;
}

function modelOp({ operation, create, answer }: TaskOperation): TaskModelOp | undefined {
  if (operation.type === 'fail') return undefined;
  const known = operation.type === 'ok';
  switch (operation.f) {
    case F.send:
      if (!known) return { f: 'send', create, outcome: 'unknown' };
      if (answer?.rejected !== undefined) return { f: 'send', create, outcome: 'rejected' };
      return answer?.state === undefined ? undefined : { f: 'send', create, outcome: 'state', state: answer.state };
    case F.cancel:
      if (!known) return { f: 'cancel', outcome: 'unknown' };
      if (answer?.rejected !== undefined) return { f: 'cancel', outcome: 'rejected' };
      return answer?.state === undefined ? undefined : { f: 'cancel', outcome: 'state', state: answer.state };
    case F.get:
      return known && answer?.state !== undefined ? { f: 'read', state: answer.state } : undefined;
    case F.subscribe:
    case F.resubscribe:
      return answer?.snapshot === undefined ? undefined : { f: 'read', state: answer.snapshot.state };
    default:
      return undefined;
  }
}

/** A state the history shows at a version: the version check's unit. */
export interface VersionedState {
  op: TaskOperation;
  version: number;
  state: TaskStateName;
}

/** The answers that carry a version with their state; a task not found is version 0. */
export function versionedStates(op: TaskOperation): VersionedState | undefined {
  const { operation, answer } = op;
  if (answer === undefined) return undefined;
  if (isSubscription(operation.f)) return answer.snapshot === undefined ? undefined : { op, version: answer.snapshot.version, state: answer.snapshot.state };
  if (operation.type !== 'ok' || answer.state === undefined || answer.rejected !== undefined) return undefined;
  if (operation.f !== F.send && operation.f !== F.get && operation.f !== F.cancel) return undefined;
  if (answer.version !== undefined) return { op, version: answer.version, state: answer.state };
  return answer.state === 'absent' ? { op, version: 0, state: 'absent' } : undefined;
}

/**
 * The states the events a read saw put at their seqs: an event's own state, and for the final log
 * read (every event from seq 1) the state each event leaves the task in. The log's last one is also
 * an answer like any other, acknowledged when the read completed.
 */
export function eventStates(op: TaskOperation): { list: VersionedState[]; answered: VersionedState | undefined } {
  const events = op.answer?.events ?? [];
  const list: VersionedState[] = [];
  if (op.operation.f !== F.log) {
    for (const e of events) if (e.state !== undefined) list.push({ op, version: e.seq, state: e.state });
    return { list, answered: undefined };
  }
  let state: TaskStateName | undefined;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    state = e.state ?? state;
    if (state !== undefined) list.push({ op, version: e.seq, state });
  }
  return { list, answered: op.operation.type === 'ok' ? list[list.length - 1] : undefined };
}
