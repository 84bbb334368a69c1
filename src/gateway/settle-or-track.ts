import { ErrorCodes, isAgentmeshError } from '../protocol/index.js';
import type { CreditHolds } from './credits/index.js';
import { replyEnd, taskEnd, type TaskEnd } from './settlement.js';
import type { SettlementTracker } from './settlement-tracker.js';
import type { AnswerTap } from './stream-task-tap.js';

/**
 * Settles (or refunds) now when the answer carries the task's end, a stream's
 * folded events included (its final status carries the usage); else tracks
 * the task. Settling now costs no write of its own: a leased hold's settlement
 * joins the replica's next batch (ADR 0010, ADR 0026). Returns what was
 * charged when settled now.
 */
export async function settleOrTrack(d: { tracker: SettlementTracker; credits: CreditHolds }, call: { key: string; repeatOf?: string | undefined; tap: AnswerTap; estimate: number; agent: string; tenant: string; subject: string; failed: boolean }): Promise<number | undefined> {
  let s = call;
  if (s.tap.taskId !== undefined) {
    const key = await claimTask(d.credits, s.key, taskChargeKey(s.agent, s.tenant, s.tap.taskId));
    // The runtime answered with a task already charged (or held) for: a retry, which pays nothing more.
    if (key === undefined) return (await d.credits.refund(s.key, 'a retry: its task was charged already')).chargedMilliCredits;
    s = { ...s, key };
  }
  const end = answeredEnd(s.tap);
  if (s.repeatOf !== undefined && s.tap.taskId === undefined && s.tap.message !== undefined) {
    // A message answer has no task to tell a retry by: the messageId is its identity, charged once (ADR 0034).
    // This attempt's hold goes back; the call shows what its messageId was charged.
    await d.credits.refund(s.key, 'a retry of a message answer, charged once under its messageId');
    return (await d.credits.settle(s.repeatOf, end.kind === 'charge' ? (end.milliCredits ?? s.estimate) : s.estimate)).chargedMilliCredits;
  }
  if (end.kind !== 'open') return (await d.tracker.close(s.key, end, s.estimate))?.chargedMilliCredits;
  if (s.tap.taskId === undefined) {
    // No task came back (an error answer): nothing ran, nothing is owed.
    if (s.failed || end.kind === 'open') return (await d.credits.refund(s.key, 'the agent started no task')).chargedMilliCredits;
    return undefined;
  }
  // Still running (returnImmediately, input-required, a stream cut short): read the task until it ends.
  // Its hold becomes a reservation of its own first, so any replica's tracker can settle it.
  await d.credits.pin(s.key);
  await d.tracker.track({ key: s.key, agent: s.agent, taskId: s.tap.taskId, tenant: s.tenant, subject: s.subject, estimate: s.estimate });
  return undefined;
}

/** The task's end as the answer tells it: a message answer (no task), a JSON answer's task, a stream's events folded, or an ACP run's refunding end. */
function answeredEnd(tap: AnswerTap): TaskEnd {
  if (tap.message !== undefined && tap.taskId === undefined) return replyEnd(tap.message);
  if (tap.streaming) return tap.state !== undefined ? taskEnd(tap.folded()) : { kind: 'open' };
  if (tap.task !== undefined) return taskEnd(tap.task);
  return tap.state !== undefined ? taskEnd({ status: { state: tap.state } }) : { kind: 'open' };
}

/**
 * The ledger key of the charge for one task (ADR 0046, "Charging the task
 * the answer names"): a call's hold is keyed by its messageId until its
 * answer names a task, then moved here, so a task is charged once whatever
 * messageId (or attempt) reached it. Agent names are slugs, so no
 * messageId key (`agent:tenant:messageId`) can start with `task/`.
 */
export function taskChargeKey(agent: string, tenant: string, taskId: string): string {
  return `task/${agent}:${tenant}:${taskId}`;
}

/**
 * Moves the call's hold to its task's key; undefined when that key is taken
 * (the task was charged or is held by an earlier call: this one is a retry).
 * A hold that cannot be moved for another reason (gone, expired) stays
 * under its key, settled there as before.
 */
async function claimTask(credits: CreditHolds, key: string, taskKey: string): Promise<string | undefined> {
  try {
    await credits.rekey(key, taskKey);
    return taskKey;
  } catch (err) {
    if (isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INVALID_ARGUMENT && /taken|already names another/.test(err.message)) return undefined;
    return key;
  }
}
