/**
 * How a priced call through a gateway ends in the history (test/history/README.md, "Credits"), for the
 * credits and the approvals clients alike: a completed task is `ok` (charged); a task failed, canceled
 * or rejected is `fail` (refunded, or never run); a request that never left, or was refused as
 * invalid, is `fail` (nothing held); anything else (a timeout, a reset, an error answered after the
 * request arrived, a task not seen ending) is `info`.
 */
import type { HistoryRecorder, Invoked } from '../history/history-recorder.js';
import type { A2aOutcome } from './a2a-call.js';

/** Refused before anything was held: the request itself was wrong. */
const INVALID_PARAMS = -32602;
export const REFUNDED = new Set(['TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED']);
export const TERMINAL = new Set(['TASK_STATE_COMPLETED', ...REFUNDED]);

/** Completes `op` by the call's answer and the task last seen of it; `ok` carries `charged`, every completion `extra`. */
export function recordCall(recorder: HistoryRecorder, op: Invoked, call: { callId: string; amount: number; extra?: Record<string, unknown> }, outcome: A2aOutcome, task: { id: string; state: string } | undefined): 'ok' | 'fail' | 'info' {
  const { callId, amount, extra } = call;
  if (task?.state === 'TASK_STATE_COMPLETED') {
    recorder.ok(op, { callId, amount, ...extra, taskId: task.id });
    return 'ok';
  }
  if (task !== undefined && REFUNDED.has(task.state)) {
    recorder.fail(op, { callId, ...extra, taskId: task.id, state: task.state });
    return 'fail';
  }
  if (outcome.kind === 'refused' || (outcome.kind === 'error' && outcome.code === INVALID_PARAMS)) {
    recorder.fail(op, { callId, ...extra, error: outcome.kind === 'refused' ? outcome.error : `${outcome.code} ${outcome.message}` });
    return 'fail';
  }
  const error = outcome.kind === 'error' ? `${outcome.code} ${outcome.message}` : outcome.kind === 'unknown' ? outcome.error : `task ${task?.id ?? 'none'} ${task?.state ?? 'not a task'}`;
  recorder.info(op, { callId, ...extra, error });
  return 'info';
}
