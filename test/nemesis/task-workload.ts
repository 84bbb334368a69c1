/**
 * The task workload: clients send messages that create tasks, read them, subscribe to them (and
 * resume a subscription they closed) and cancel them, on
 * whichever replica the draw picks, recording each operation in the history (test/history/README.md,
 * "Recording"): the invocation before the request leaves, the completion after the answer. A
 * timeout, a reset or an error answered after the request may have taken effect is `info`, and the
 * client then continues as a new process.
 */
import { randomUUID } from 'node:crypto';
import { F } from '../history/history-format.js';
import type { HistoryRecorder, Invoked } from '../history/history-recorder.js';
import { a2aCall, taskOf, type A2aOutcome, type Target } from './a2a-call.js';
import { subscribeOnce } from './task-streams.js';

/** JSON-RPC codes whose answer tells the task's state (A2A §8.2). */
const TASK_NOT_FOUND = -32001;
const TASK_NOT_CANCELABLE = -32002;
/** Refused before anything was done: the request itself was wrong. */
const INVALID_PARAMS = -32602;

/** Where clients send: the nodes that run now (a load balancer's view), by name. */
export interface Targets {
  live(): Target[];
}

/** What every workload's clients share: where they record, where they send, their draws and numbers. */
export interface WorkloadOptions {
  recorder: HistoryRecorder;
  targets: Targets;
  random: () => number;
  clients: number;
  /** Per request. */
  timeoutMs: number;
  /** The work each task (each workflow step) does, drawn between these (ms). */
  workMs: [number, number];
  /** Process numbers are drawn from here, shared with other workloads of the run. */
  processes: ProcessNumbers;
}

export interface TaskWorkloadOptions extends WorkloadOptions {
  /** The webhook a share of the tasks are created with (their pushes are due from their first event). */
  pushUrl?: string;
}

/** Hands out process numbers: a client whose operation ended `info` continues under a new one. */
export class ProcessNumbers {
  #next = 0;
  next(): number {
    return this.#next++;
  }
}

/** Task ids clients have seen created; read and cancel pick from them. */
export class KnownTasks {
  readonly ids: string[] = [];
  /** When each task was first heard of (Date.now()): a task made after the last heal is owed its own time to end. */
  readonly #firstSeen = new Map<string, number>();
  add(id: string): void {
    if (this.#firstSeen.has(id)) return;
    this.#firstSeen.set(id, Date.now());
    this.ids.push(id);
  }
  /** The tasks first heard of at or before `time`, and those after. */
  splitAt(time: number): { before: string[]; after: string[] } {
    const before: string[] = [];
    const after: string[] = [];
    for (const id of this.ids) (this.#firstSeen.get(id)! <= time ? before : after).push(id);
    return { before, after };
  }
  pick(random: () => number): string | undefined {
    // Recent tasks more often: they are the ones still running, where a cancel races the work.
    if (this.ids.length === 0) return undefined;
    const recent = Math.min(this.ids.length, 20);
    const i = random() < 0.7 ? this.ids.length - 1 - Math.floor(random() * recent) : Math.floor(random() * this.ids.length);
    return this.ids[i];
  }
}

/** Records an outcome no answer explains: `fail` when the request never left, else `info`. */
function unanswered(recorder: HistoryRecorder, op: Invoked, outcome: Extract<A2aOutcome, { kind: 'refused' | 'unknown' }>): 'fail' | 'info' {
  if (outcome.kind === 'refused') {
    recorder.fail(op, { error: outcome.error });
    return 'fail';
  }
  recorder.info(op, { error: outcome.error });
  return 'info';
}

/**
 * One client's operations until `stop` aborts; resolves when its last operation has completed.
 * `tasks` is shared by the clients of a run.
 */
async function client(options: TaskWorkloadOptions, tasks: KnownTasks, stop: AbortSignal): Promise<void> {
  const { recorder, random, timeoutMs } = options;
  let process = options.processes.next();
  while (!stop.aborted) {
    const live = options.targets.live();
    if (live.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const node = live[Math.floor(random() * live.length)]!;
    const draw = random();
    const taskId = tasks.pick(random);
    let ended: 'ok' | 'fail' | 'info';
    if (draw < 0.4 || taskId === undefined) {
      const messageId = randomUUID();
      const ms = Math.round(options.workMs[0] + random() * (options.workMs[1] - options.workMs[0]));
      const push = options.pushUrl !== undefined && random() < 0.3 ? { taskPushNotificationConfig: { url: options.pushUrl, token: messageId } } : {};
      const op = recorder.invoke(process, F.send, null, { message: messageId }, node.name);
      const outcome = await a2aCall(node.url, 'SendMessage', { message: { messageId, role: 'ROLE_USER', parts: [{ text: String(ms) }] }, configuration: { returnImmediately: true, ...push } }, timeoutMs, node.headers);
      const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
      if (task) {
        tasks.add(task.id);
        recorder.ok(op, { taskId: task.id, state: task.state });
        ended = 'ok';
        // The send that created the task acknowledged its push config: every event of its log is due.
        if ('taskPushNotificationConfig' in push) recorder.ok(recorder.invoke(process, F.pushConfig, task.id, null, node.name), { taskId: task.id, fromSeq: 0 });
      } else if (outcome.kind === 'error' && outcome.code === INVALID_PARAMS) {
        recorder.fail(op, { error: outcome.message });
        ended = 'fail';
      } else if (outcome.kind === 'refused' || outcome.kind === 'unknown') {
        ended = unanswered(recorder, op, outcome);
      } else {
        recorder.info(op, { error: outcome.kind === 'error' ? `${outcome.code} ${outcome.message}` : 'a result that is not a task' });
        ended = 'info';
      }
    } else if (draw < 0.55) {
      // Read a while (the task may still run), close, and resume after the last event seen.
      const first = await subscribeOnce(recorder, process, node, taskId, undefined, 300 + random() * 1500);
      if (first.end === 'closed') {
        const again = options.targets.live();
        const other = again[Math.floor(random() * again.length)];
        if (other) await subscribeOnce(recorder, process, other, taskId, first.last, 3000);
      }
      ended = 'ok';
    } else if (draw < 0.8) {
      const op = recorder.invoke(process, F.get, taskId, null, node.name);
      ended = await read(recorder, op, await a2aCall(node.url, 'GetTask', { id: taskId }, timeoutMs, node.headers));
    } else {
      const op = recorder.invoke(process, F.cancel, taskId, null, node.name);
      const outcome = await a2aCall(node.url, 'CancelTask', { id: taskId }, timeoutMs, node.headers);
      const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
      if (task) {
        recorder.ok(op, { taskId: task.id, state: task.state });
        ended = 'ok';
      } else if (outcome.kind === 'error' && outcome.code === TASK_NOT_CANCELABLE) {
        recorder.ok(op, { rejected: 'not-cancelable' });
        ended = 'ok';
      } else if (outcome.kind === 'refused' || outcome.kind === 'unknown') {
        ended = unanswered(recorder, op, outcome);
      } else {
        recorder.info(op, { error: outcome.kind === 'error' ? `${outcome.code} ${outcome.message}` : 'a result that is not a task' });
        ended = 'info';
      }
    }
    if (ended === 'info') process = options.processes.next();
    // Think time, as Jepsen's clients have: a rate the host sustains beside the fleet, and a history the checker reads in seconds.
    await new Promise((resolve) => setTimeout(resolve, 20 + random() * 100));
  }
}

/**
 * Completes a GetTask: the task's state, `absent` when the server says there is no such task, and
 * `fail` on any other outcome (a read has no effect, so a read that did not answer certainly did nothing).
 */
export async function read(recorder: HistoryRecorder, op: Invoked, outcome: A2aOutcome): Promise<'ok' | 'fail'> {
  const task = outcome.kind === 'result' ? taskOf(outcome.result) : undefined;
  if (task) {
    recorder.ok(op, { taskId: task.id, state: task.state });
    return 'ok';
  }
  if (outcome.kind === 'error' && outcome.code === TASK_NOT_FOUND) {
    recorder.ok(op, { state: 'absent' });
    return 'ok';
  }
  recorder.fail(op, { error: outcome.kind === 'error' ? `${outcome.code} ${outcome.message}` : outcome.kind === 'result' ? 'not a task' : outcome.error });
  return 'fail';
}

/** Runs `clients` clients until `stop` aborts; resolves when every one has completed its last operation. */
export async function runTaskWorkload(options: TaskWorkloadOptions, tasks: KnownTasks, stop: AbortSignal): Promise<void> {
  await Promise.all(Array.from({ length: options.clients }, () => client(options, tasks, stop)));
}
