/**
 * A call the gateway forwards without a credit hold, to be answered only if
 * it is a retry (ADR 0046, third addendum; docs/security.md, "Retry-only
 * calls"): a tenant short of credit repeats a messageId the gateway has
 * already charged or holds. The gateway says so in the tenant assertion it
 * signs, and only to agents that declare they read it; the runtime answers
 * with the task the messageId started, or refuses the call as short of
 * credit without starting work.
 */
import { isRecord } from './narrowing.js';

/**
 * The card extension by which an agentmesh runtime declares that it reads the
 * retry-only claim. The gateway sends the claim to no other agent (one that
 * does not read it would start work nobody pays for) and leaves the
 * extension off the card it serves: it concerns the gateway and the agent only.
 */
export const RETRY_ONLY_EXTENSION_URI = 'https://agentmesh.dev/extensions/retry-only-calls/v1';

/**
 * The claim's name in the assertion's payload, and the name of the critical
 * protected header parameter (RFC 7515 §4.1.11) that repeats its messageId: a
 * verifier that does not understand it must refuse the whole assertion, so
 * a runtime that predates the claim (a rolling upgrade) refuses the call
 * rather than running it unpaid.
 */
export const RETRY_ONLY_CLAIM = 'retry_only';

/** What a retry-only call may be answered with, and the credit refusal the agent gives otherwise. */
export interface RetryOnlyClaim {
  /** The messageId the call repeats: the call is refused unless its message is a retry under this id. */
  messageId: string;
  /** The tenant's available balance when the gateway could not hold the call, milli-credits. */
  balance: number;
  /** What the call would have held, milli-credits. */
  needed: number;
}

/** The claim as the assertion's payload carries it. */
export function retryOnlyPayload(claim: RetryOnlyClaim): Record<string, unknown> {
  return { message_id: claim.messageId, balance: claim.balance, needed: claim.needed };
}

/** The claim read back from a verified payload; undefined when it is not one (the assertion is then refused). */
export function readRetryOnlyClaim(value: unknown): RetryOnlyClaim | undefined {
  if (!isRecord(value)) return undefined;
  const claim = value;
  const messageId = Object.hasOwn(claim, 'message_id') ? claim['message_id'] : undefined;
  const balance = Object.hasOwn(claim, 'balance') ? claim['balance'] : undefined;
  const needed = Object.hasOwn(claim, 'needed') ? claim['needed'] : undefined;
  if (typeof messageId !== 'string' || messageId === '' || typeof balance !== 'number' || !Number.isSafeInteger(balance) || typeof needed !== 'number' || !Number.isSafeInteger(needed)) return undefined;
  return { messageId, balance, needed };
}
