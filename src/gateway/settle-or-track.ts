import { ErrorCodes, isAgentmeshError, type ProtocolVersion } from '../protocol/index.js';
import { deliberateFault } from '../storage/index.js';
import type { ChargedMessages } from './charged-messages.js';
import type { CreditHolds } from './credits/index.js';
import type { Settlement } from '../tenancy/index.js';
import { messageContentHash } from './message-content.js';
import { replyEnd, taskEnd, type TaskEnd } from './settlement.js';
import type { SettlementTracker } from './settlement-tracker.js';
import type { AnswerTap } from './stream-task-tap.js';

/** Who settles: the credit holds, the tracker of tasks still running, and the charged messageIds. */
export interface SettleDeps {
  tracker: SettlementTracker;
  credits: CreditHolds;
  charged?: ChargedMessages | undefined;
}

/** The call to settle, with the tap that read its answer. */
export interface SettleCall {
  key: string;
  message?: Record<string, unknown> | undefined;
  version: ProtocolVersion;
  tap: AnswerTap;
  estimate: number;
  agent: string;
  tenant: string;
  subject: string;
  failed: boolean;
  /** The caller remembers a task's messageId in `d.charged` itself ({@link rememberCharged}), once the answer is out (the proxy, ADR 0057). */
  rememberLater?: boolean;
}

/**
 * Settles (or refunds) now when the answer carries the task's end, a stream's
 * folded events included (its final status carries the usage); else tracks
 * the task. Settling now costs no write of its own: a leased hold's settlement
 * joins the replica's next batch (ADR 0010, ADR 0026). Returns what was
 * charged when settled now.
 */
export async function settleOrTrack(d: SettleDeps, call: SettleCall): Promise<number | undefined> {
  return settleOrTrackNow(d, call);
}

/**
 * {@link settleOrTrack}, answered at once when nothing is waited for: a call
 * held on a lease, its hold moved to the answer's key and settled in memory
 * (the usual priced call). A promise when the ledger or the tracker writes;
 * a failure is thrown, at once or as its rejection. The proxy settles a call
 * before its answer is released: no promise and no turn of the microtask
 * queue each on that path (ADR 0057).
 */
export function settleOrTrackNow(d: SettleDeps, s: SettleCall): number | undefined | Promise<number | undefined> {
  const claim = chargeKeyOfAnswer(s);
  // Settled under the call's key, or the answer's once the hold moved there (no copy of `call` per call).
  if (claim === undefined) return settleUnder(d, s, s.key);
  if (CHARGE_TWICE) return chargeTwice(d, s, claim);
  const claimed = claimKeyNow(d.credits, s.key, claim, 0);
  return claimed instanceof Promise ? claimed.then((key) => settleClaimed(d, s, claim, key)) : settleClaimed(d, s, claim, claimed);
}

/** A build broken on purpose (tests only, storage/deliberate-faults.ts): a call's task charged twice. */
const CHARGE_TWICE = deliberateFault('charge-twice');

/** The broken build: the hold settles under the call's key without moving, and the task is held and charged again under its own. */
async function chargeTwice(d: SettleDeps, s: SettleCall, claim: string): Promise<number | undefined> {
  const charged = await settleUnder(d, s, s.key);
  await d.credits.reserve({ tenant: s.tenant, key: claim, milliCredits: s.estimate, agent: s.agent, skill: '*' });
  await d.credits.settle(claim, s.estimate);
  return charged;
}

/** After the hold's move to `claim`: `claimed` is where it is now, undefined when that key was taken already (a retry). */
function settleClaimed(d: SettleDeps, s: SettleCall, claim: string, claimed: string | undefined): number | undefined | Promise<number | undefined> {
  // The messageId reached a task that is charged (or held) once: a later repeat short of credit may be its retry.
  if (s.tap.taskId !== undefined && d.charged !== undefined && s.rememberLater !== true) rememberCharged(d.charged, s);
  if (claimed === undefined) return settleRetry(d, s, claim);
  return settleUnder(d, s, claimed);
}

/** Already charged (or held) by an earlier call: a retry, which pays nothing more. Its hold goes back. */
async function settleRetry(d: SettleDeps, s: SettleCall, claim: string): Promise<number | undefined> {
  const released = await d.credits.refund(s.key, 'a retry of a call already charged');
  // A message answer's retry shows what its message was charged (ADR 0034); a task may still be held, so it is not read.
  return s.tap.taskId === undefined ? (await d.credits.settle(claim, s.estimate)).chargedMilliCredits : released.chargedMilliCredits;
}

function settleUnder(d: SettleDeps, s: SettleCall, key: string): number | undefined | Promise<number | undefined> {
  const end = answeredEnd(s.tap);
  if (end.kind === 'open') return refundOrTrack(d, s, key, end);
  const closed = d.tracker.closeNow(key, end, s.estimate);
  return closed instanceof Promise ? closed.then(chargedOf) : chargedOf(closed);
}

function chargedOf(settlement: Settlement | undefined): number | undefined {
  return settlement?.chargedMilliCredits;
}

async function refundOrTrack(d: SettleDeps, s: SettleCall, key: string, end: TaskEnd): Promise<number | undefined> {
  if (s.tap.taskId === undefined) {
    // No task came back (an error answer): nothing ran, nothing is owed.
    if (s.failed || end.kind === 'open') return (await d.credits.refund(key, 'the agent started no task')).chargedMilliCredits;
    return undefined;
  }
  // Still running (returnImmediately, input-required, a stream cut short): read the task until it ends.
  // Its hold becomes a reservation of its own first, so any replica's tracker can settle it.
  await d.credits.pin(key);
  await d.tracker.track({ key, agent: s.agent, taskId: s.tap.taskId, tenant: s.tenant, subject: s.subject, estimate: s.estimate });
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
 * Whether `key` is a charge key of {@link taskChargeKey} or {@link chargeKeyOfAnswer}'s message form:
 * a key holds are moved to, never one a call holds under first (the leased holds remember these
 * apart once closed, recently-closed.ts).
 */
export function isChargeKey(key: string): boolean {
  // Not charCodeAt first: a key is built by concatenation, and reading a character of it flattens it through the runtime.
  return key.startsWith('task/') || key.startsWith('message/');
}

/**
 * Where the answer's charge belongs: its task's key; for a message answer
 * (no task), its messageId's and its content's (a retry of the same message
 * is charged once, ADR 0034; another message under that messageId is
 * charged for itself); undefined when the answer names neither.
 */
function chargeKeyOfAnswer(s: { message?: Record<string, unknown> | undefined; version: ProtocolVersion; tap: AnswerTap; agent: string; tenant: string }): string | undefined {
  if (s.tap.taskId !== undefined) return taskChargeKey(s.agent, s.tenant, s.tap.taskId);
  if (s.tap.message === undefined || s.message === undefined) return undefined;
  const messageId = s.message['messageId'];
  return typeof messageId === 'string' ? `message/${s.agent}:${s.tenant}:${messageContentHash(s.message, s.version)}:${messageId}` : undefined;
}

/**
 * Moves the call's hold to the key of what it answered; undefined when that
 * key is taken (charged or held by an earlier call: this one is a retry). A
 * hold that cannot be moved for another reason (gone, expired, a key too
 * long) stays under its key, settled there as before. At once when the hold
 * is moved in memory; a promise when the ledger moves it.
 */
function claimKeyNow(credits: CreditHolds, key: string, chargeKey: string, attempt: number): string | undefined | Promise<string | undefined> {
  let moved: void | Promise<void>;
  try {
    moved = credits.rekeyNow(key, chargeKey);
  } catch (err) {
    return claimRefused(credits, key, chargeKey, attempt, err);
  }
  return moved instanceof Promise ? moved.then(() => chargeKey, (err: unknown) => claimRefused(credits, key, chargeKey, attempt, err)) : chargeKey;
}

/**
 * Twice at most: two retries moving to one key at once may collide on its
 * unique index (PostgreSQL), and the second attempt then sees the key taken.
 */
function claimRefused(credits: CreditHolds, key: string, chargeKey: string, attempt: number, err: unknown): string | undefined | Promise<string | undefined> {
  if (isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INVALID_ARGUMENT && /taken|already names another/.test(err.message)) return undefined;
  return attempt > 0 ? key : claimKeyNow(credits, key, chargeKey, attempt + 1);
}

/** Remembers that the message's call was charged (or held) for the task its answer named: what tells a credit-short repeat of it (ADR 0046). */
export function rememberCharged(charged: ChargedMessages, s: { message?: Record<string, unknown> | undefined; agent: string; tenant: string }): void {
  const messageId = s.message?.['messageId'];
  if (typeof messageId === 'string') charged.charged(s.agent, s.tenant, messageId);
}
