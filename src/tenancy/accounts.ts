/**
 * The chart of accounts of the double-entry journal. Every movement of
 * credits is one entry whose postings sum to zero, so the sum of an
 * account's postings is its balance and money is never created or lost:
 *
 * - `topups`: where purchased credits come from (goes negative as tenants buy).
 * - `tenant:<t>:available`: what tenant t can spend.
 * - `tenant:<t>:reserved`: what open reservations of t hold.
 * - `revenue:<agent>`: what calls to an agent earned.
 */

import { Errors } from '../protocol/index.js';

/** One line of an entry: signed milli-credits on an account. */
export type Posting = readonly [account: string, milliCredits: number];

/** Refuses an entry that would not balance: a bug here would corrupt the books, so it stops before any write. */
export function assertBalanced(kind: string, postings: readonly Posting[]): void {
  if (postings.length >= 2 && postings.reduce((sum, [, amount]) => sum + amount, 0) === 0) return;
  throw Errors.journalUnbalanced({ kind, postings: JSON.stringify(postings) });
}

export const TOPUPS_ACCOUNT = 'topups';

export const availableAccount = (tenant: string): string => `tenant:${tenant}:available`;
export const reservedAccount = (tenant: string): string => `tenant:${tenant}:reserved`;
export const revenueAccount = (agent: string): string => `revenue:${agent}`;

/** Which tenant balance column an account name stands for, if any (the suffix is fixed, so a tenant may contain ':'). */
export function tenantAccountOf(account: string): { tenant: string; column: 'available' | 'reserved' } | undefined {
  const match = /^tenant:(.+):(available|reserved)$/.exec(account);
  return match ? { tenant: match[1]!, column: match[2] as 'available' | 'reserved' } : undefined;
}

/** The agent a revenue account belongs to, if it is one. */
export function revenueAgentOf(account: string): string | undefined {
  return account.startsWith('revenue:') ? account.slice('revenue:'.length) : undefined;
}

/** A hold: available → reserved. */
export function reservePostings(tenant: string, held: number): Posting[] {
  return [
    [availableAccount(tenant), -held],
    [reservedAccount(tenant), held],
  ];
}

/** Closing a hold: reserved → the agent's revenue (charged) and back to available (released). */
export function closePostings(tenant: string, agent: string, held: number, charged: number): Posting[] {
  const postings: Posting[] = [[reservedAccount(tenant), -held]];
  if (charged > 0) postings.push([revenueAccount(agent), charged]);
  if (held - charged > 0) postings.push([availableAccount(tenant), held - charged]);
  return postings;
}

/** A call settled after the hold it was admitted under was gone (its lease expired): available → the agent's revenue. */
export function chargePostings(tenant: string, agent: string, charged: number): Posting[] {
  return [
    [availableAccount(tenant), -charged],
    [revenueAccount(agent), charged],
  ];
}

/** A purchase: topups → available. */
export function topUpPostings(tenant: string, amount: number): Posting[] {
  return [
    [TOPUPS_ACCOUNT, -amount],
    [availableAccount(tenant), amount],
  ];
}
