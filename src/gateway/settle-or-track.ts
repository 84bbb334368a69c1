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
export async function settleOrTrack(d: { tracker: SettlementTracker; credits: CreditHolds }, s: { key: string; tap: AnswerTap; estimate: number; agent: string; tenant: string; subject: string; failed: boolean }): Promise<number | undefined> {
  const end = answeredEnd(s.tap);
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
