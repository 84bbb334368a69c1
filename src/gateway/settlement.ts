import { isRecord } from '../protocol/index.js';
/**
 * Reading a task's end from what the agent answered: the state, and the
 * credits the agent reported (task metadata `agentmesh.usage`, written by the
 * runtime's `ctx.usage`). The gateway settles a reservation with them.
 */

export type TaskEnd = { kind: 'charge'; milliCredits: number | undefined } | { kind: 'refund'; reason: string } | { kind: 'open' };

const CHARGED = new Set(['TASK_STATE_COMPLETED', 'completed']);
const REFUNDED = new Set(['TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED', 'failed', 'canceled', 'rejected']);

/** What a task object (v1.0 or v0.3 JSON) says about settlement. */
export function taskEnd(task: unknown): TaskEnd {
  if (task === null || typeof task !== 'object') return { kind: 'open' };
  const t = task as { status?: { state?: unknown }; metadata?: Record<string, unknown> };
  const state = typeof t.status?.state === 'string' ? t.status.state : undefined;
  if (state !== undefined && REFUNDED.has(state)) return { kind: 'refund', reason: `task ${state.replace('TASK_STATE_', '').toLowerCase()}` };
  if (state === undefined || !CHARGED.has(state)) return { kind: 'open' };
  return { kind: 'charge', milliCredits: reportedUsage(t.metadata) };
}

/**
 * What a message answer says about settlement (ADR 0034): the call is done,
 * charged at the usage the message reports (its metadata
 * `agentmesh.usage`, as a task's) or, without one, the estimate.
 */
export function replyEnd(message: Record<string, unknown>): TaskEnd {
  const metadata = message['metadata'];
  return { kind: 'charge', milliCredits: reportedUsage(isRecord(metadata) ? metadata : undefined) };
}

/** The credits a task's or a message's metadata reports, in milli-credits; undefined when none (or not a usable number). */
function reportedUsage(metadata: Record<string, unknown> | undefined): number | undefined {
  const usage = metadata?.['agentmesh.usage'] as { credits?: unknown } | undefined;
  return typeof usage?.credits === 'number' && Number.isFinite(usage.credits) && usage.credits >= 0 ? Math.round(usage.credits * 1000) : undefined;
}

/** The task in a SendMessage answer: JSON-RPC `result.task` (v1), `result` (v0.3), or a REST body `{ task }`. */
export function taskOfAnswer(body: unknown): { id?: string; task?: unknown } {
  if (!isRecord(body)) return {};
  const result = body['result'] ?? body;
  if (!isRecord(result)) return {};
  const task = result['task'] ?? (result['kind'] === 'task' || typeof result['status'] === 'object' ? result : undefined);
  if (!isRecord(task)) return {};
  return { ...(typeof task['id'] === 'string' && { id: task['id'] }), task };
}
