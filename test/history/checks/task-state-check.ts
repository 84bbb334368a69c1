import { F, type TaskStateName } from '../history-format.js';
import { checkByKey } from '../linearizability/check-by-key.js';
import { isTerminalState, taskStateModel } from '../linearizability/task-state-model.js';
import type { SearchBudget } from '../linearizability/wgl-search.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';
import { eventStates, taskModelOps, versionedStates, type TaskOperations, type VersionedState } from './task-ops.js';

/**
 * Property 1 (test/history/README.md, "Task state"): each task's state is linearizable under the A2A
 * state machine. Two checks that must agree. The version check reads the version each answer
 * carries, which puts every observed state at a place in the task's one order, in one pass: one
 * state per version, nothing after a terminal version, no move the state machine forbids, an
 * acknowledged cancel answered with a finished task, and no answer older than one already
 * acknowledged before it was asked (a lost acknowledged write, or a stale read). The Wing–Gong search
 * needs no versions: it looks for any order of the operations the state model accepts.
 */
export function checkTaskState(tasks: TaskOperations, budget?: SearchBudget): PropertyResult {
  const anomalies: Anomaly[] = [...tasks.malformed];
  let operations = 0;
  let versioned = 0;
  for (const [taskId, ops] of tasks.byTask) {
    operations += ops.length;
    const states = ops.map(versionedStates).filter((s): s is VersionedState => s !== undefined);
    const fromEvents = ops.map(eventStates);
    states.push(...fromEvents.flatMap((e) => (e.answered === undefined ? [] : [e.answered])));
    versioned += states.length;
    anomalies.push(...versionAnomalies(taskId, states, fromEvents.flatMap((e) => e.list)));
    for (const op of ops) {
      const { answer, operation } = op;
      if (operation.f === F.cancel && operation.type === 'ok' && answer?.state !== undefined && !isTerminalState(answer.state)) {
        anomalies.push({ kind: 'cancel-not-terminal', key: taskId, ops: [operation.completion!.index], explanation: `an acknowledged cancel answered ${short(answer.state)}: a canceled task is terminal (A2A §3.1.5)` });
      }
    }
  }
  const byTask = new Map([...tasks.byTask].map(([taskId, ops]) => [taskId, taskModelOps(ops)] as const));
  const search = checkByKey(() => taskStateModel, byTask, budget === undefined ? {} : { budget });
  const notes: string[] = [];
  let unknown = false;
  for (const { key, result: r } of search.results) {
    if (r.verdict === 'not-linearizable') anomalies.push({ kind: 'not-linearizable', key, ops: [...r.longestPrefix.slice(-3), ...r.stuck], explanation: r.explanation });
    if (r.verdict === 'unknown') {
      unknown = true;
      notes.push(`task ${key}: unknown: ${r.reason}`);
    }
  }
  if (tasks.anonymous.length > 0) notes.push(`${tasks.anonymous.length} send(s) without a known task id (ended info or without an answer): left out`);
  return result('task-state', 'Task state is linearizable under the A2A state machine', `${tasks.byTask.size} tasks, ${operations} operations (${versioned} with a version); Wing–Gong ${search.verdict}`, anomalies, notes, unknown);
}

/** `states`: answers, each acknowledged when its operation completed; `listed`: states events put at their seqs. */
function versionAnomalies(taskId: string, states: VersionedState[], listed: VersionedState[]): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const at = (s: VersionedState): number => s.op.operation.completion?.index ?? s.op.operation.invoke.index;
  // One state per version.
  const byVersion = new Map<number, VersionedState>();
  for (const s of [...listed, ...states]) {
    const seen = byVersion.get(s.version);
    if (seen === undefined) byVersion.set(s.version, s);
    else if (seen.state !== s.state) anomalies.push({ kind: 'two-states-one-version', key: taskId, ops: [at(seen), at(s)], explanation: `version ${s.version} was ${short(seen.state)} and ${short(s.state)}: two histories of one task` });
  }
  // Along the versions: nothing after a terminal state, no forbidden move.
  const ordered = [...byVersion.values()].sort((a, b) => a.version - b.version);
  for (let i = 1; i < ordered.length; i += 1) {
    const prev = ordered[i - 1]!;
    const next = ordered[i]!;
    const why = forbidden(prev.state, next.state);
    if (why !== undefined) anomalies.push({ kind: isTerminalState(prev.state) ? 'state-after-terminal' : 'forbidden-transition', key: taskId, ops: [at(prev), at(next)], explanation: `version ${prev.version} ${short(prev.state)}, then version ${next.version} ${short(next.state)}: ${why}` });
  }
  // Real time: an answer is never older than one acknowledged before the operation was invoked.
  // One pass in index order: the newest acknowledged version so far is each invocation's floor.
  const events: { index: number; s: VersionedState; invoke: boolean }[] = [];
  for (const s of states) {
    events.push({ index: s.op.operation.invoke.index, s, invoke: true });
    if (s.op.operation.completion !== undefined) events.push({ index: s.op.operation.completion.index, s, invoke: false });
  }
  events.sort((a, b) => a.index - b.index);
  const floors = new Map<VersionedState, VersionedState | undefined>();
  let newest: VersionedState | undefined;
  for (const e of events) {
    if (e.invoke) {
      floors.set(e.s, newest);
      continue;
    }
    const floor = floors.get(e.s);
    if (floor !== undefined && e.s.version < floor.version) {
      const lost = floor.op.operation.f === F.send || floor.op.operation.f === F.cancel ? 'an acknowledged write lost' : 'a stale read';
      anomalies.push({ kind: 'stale', key: taskId, ops: [at(floor), at(e.s)], explanation: `${e.s.op.operation.f} saw version ${e.s.version} (${short(e.s.state)}) after ${floor.op.operation.f} was acknowledged at version ${floor.version} (${short(floor.state)}) before it was invoked: ${lost}` });
    }
    if (newest === undefined || e.s.version > newest.version) newest = e.s;
  }
  return anomalies;
}

function forbidden(prev: TaskStateName, next: TaskStateName): string | undefined {
  if (prev === next) return undefined;
  if (isTerminalState(prev)) return 'a terminal state absorbs (A2A §3.1.6: nothing follows it)';
  if (next === 'absent') return 'a task that existed is gone';
  if (next === 'TASK_STATE_SUBMITTED') return 'a task never goes back to submitted';
  return undefined;
}

const short = (state: TaskStateName): string => state.replace('TASK_STATE_', '').toLowerCase();
