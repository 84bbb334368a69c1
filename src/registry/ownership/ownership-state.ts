import { randomBytes } from 'node:crypto';
import { cardToJsonText, type AgentOwnership, type AgentRecord, type OwnershipStatus } from '../../contracts/registry/index.js';
import type { OwnershipVerdict } from './ownership-verifier.js';

/** What a write leaves of the record that its ownership depends on. */
type Proven = Pick<AgentRecord, 'card' | 'cardUrl' | 'metadata'>;

/** A new token: 128 random bits, base64url (22 characters). */
export function issueOwnershipToken(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The ownership a write leaves the record with, and when its claim is
 * checked next: without a claim, none (and no check); with the same claim
 * of the same card and card URL, the verdict as it was; otherwise
 * `unverified` until a check (due now) says more. A claim on a changed card
 * is never left verified: the card a signature proved may be gone, and the
 * host a file was read from may have moved. The token stays while the claim
 * names the same domain, so an owner publishes it once; a new record of the
 * same name (after a deregistration) gets another one.
 */
export function ownershipAfterWrite(current: AgentRecord | undefined, next: Proven, now: number): { ownership: AgentOwnership | undefined; checkAt: number | null | undefined } {
  const claim = next.metadata.ownership;
  const held = current?.ownership;
  if (claim === undefined) return { ownership: undefined, checkAt: held === undefined ? undefined : null };
  if (held !== undefined && current !== undefined && sameClaim(current, next) && cardToJsonText(current.card) === cardToJsonText(next.card) && current.cardUrl === next.cardUrl) {
    return { ownership: held, checkAt: undefined };
  }
  const token = held !== undefined && held.domain === claim.domain ? held.token : issueOwnershipToken();
  return {
    ownership: { domain: claim.domain, ...(claim.organization !== undefined && { organization: claim.organization }), status: 'unverified', reason: 'not checked yet', token },
    checkAt: now,
  };
}

function sameClaim(current: Proven, next: Proven): boolean {
  return JSON.stringify(current.metadata.ownership) === JSON.stringify(next.metadata.ownership);
}

/** The ownership after a check reached `verdict`, or undefined when the verdict is the one the record holds. */
export function ownershipAfterCheck(held: AgentOwnership, verdict: OwnershipVerdict, now: number): AgentOwnership | undefined {
  if (held.status === verdict.status && held.method === verdict.method && held.reason === verdict.reason) return undefined;
  const at = new Date(now).toISOString();
  return {
    domain: held.domain,
    ...(held.organization !== undefined && { organization: held.organization }),
    status: verdict.status,
    ...(verdict.method !== undefined && { method: verdict.method }),
    ...(verdict.status === 'verified' && { verifiedAt: at }),
    checkedAt: at,
    ...(verdict.reason !== undefined && { reason: verdict.reason }),
    token: held.token,
  };
}

/** How long a verdict stands before the claim is checked again. */
export function nextCheckIn(status: OwnershipStatus, intervals: { recheckIntervalMs: number; retryIntervalMs: number }): number {
  return status === 'unverified' ? intervals.retryIntervalMs : intervals.recheckIntervalMs;
}
