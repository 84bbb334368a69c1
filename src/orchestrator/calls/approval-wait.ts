import { APPROVAL_TASK_PREFIX } from '../../contracts/approvals/index.js';
import { pause } from '../../storage/index.js';
import type { AgentCaller, ChildAttach, ChildOutcome } from './agent-caller.js';

/** A child outcome that is a call parked at the gateway for a person's approval (ADR 0037). */
export type ParkedOutcome = Extract<ChildOutcome, { question: string }> & { state: 'auth-required' };

/**
 * Whether a child outcome is a call parked for approval at the gateway
 * (`AUTH_REQUIRED` on an `approval-…` task), rather than an agent's own
 * AUTH_REQUIRED: nothing the user could answer moves it (docs/approvals.md).
 */
export function isParkedForApproval(outcome: ChildOutcome): outcome is ParkedOutcome {
  return outcome.state === 'auth-required' && outcome.taskId.startsWith(APPROVAL_TASK_PREFIX);
}

/** The reason a parked call waits: its status reads "Waiting for approval: <reason>". */
export function approvalReason(outcome: ParkedOutcome): string {
  return outcome.question.replace(/^Waiting for approval: /, '');
}

/**
 * Reads a parked call's gated task again, 1 s apart then doubling up to
 * 30 s (times `scale`), until it is decided: approved, the outcome is the
 * agent's task, followed as any child's; denied, expired or canceled, the
 * outcome says it ended. Rejects only when `attach.signal` aborts.
 */
export async function awaitApprovalDecision(caller: AgentCaller, attach: ChildAttach, scale = 1): Promise<ChildOutcome> {
  for (let wait = 1_000; ; wait = Math.min(wait * 2, 30_000)) {
    await pause(wait * scale, attach.signal);
    const next = await caller.attach(attach);
    if (!isParkedForApproval(next)) return next;
  }
}
