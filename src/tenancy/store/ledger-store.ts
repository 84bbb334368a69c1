/**
 * What the ledger needs from its tables. Two implementations keep the same
 * contract: PostgreSQL through Kysely (conditional updates under row locks)
 * and SQLite through prepared statements with group commit (one writer;
 * docs/credits.md, "Storage"). Each write is atomic: the journal entry, its postings and the
 * balance row change together or not at all.
 */
import type { LowBalanceEvent, ReserveInput, UsageDimension } from '../ledger-types.js';
import type { HeldFilter } from './held-query.js';
import type { BalanceRow, ReservationRow, TopUpRow } from './rows.js';

/** A write that moved a balance: the row after it, and the low-balance crossing it caused, if any. */
export interface BalanceMove {
  balance: BalanceRow | undefined;
  crossing: LowBalanceEvent | undefined;
}

/** How a reservation is closed. */
export type CloseOutcome = { kind: 'settle'; requested: number; state: string | undefined } | { kind: 'refund'; reason: string };

/** One group of settled calls; `day` counts days since the epoch (UTC). */
export interface UsageFigures {
  agent?: string;
  skill?: string;
  day?: number;
  milliCredits: number;
  calls: number;
}

/** Raw figures of a reconciliation, read from one snapshot. */
export interface ReconcileFigures {
  accounts: Array<{ account: string; total: number }>;
  unbalanced: Array<{ entryId: string; total: number; postings: number }>;
  entries: number;
  balances: Array<{ tenant: string; available: number; reserved: number }>;
  holds: Array<{ tenant: string; total: number }>;
  charged: Array<{ agent: string; total: number }>;
  topups: number;
}

/**
 * One call settled against a lease (a held reservation of a block of the
 * tenant's balance, taken by one gateway replica): it gets its own settled
 * reservation row and journal entry, so usage and reconciliation stay per call.
 */
export interface LeaseSpend {
  key: string;
  tenant: string;
  agent: string;
  skill: string;
  clientId: string | undefined;
  /** What the call was admitted at (its estimate). */
  held: number;
  /** What it is charged (at most `held`). */
  charged: number;
  requested: number;
  state: string | undefined;
  createdAt: number;
}

/** Per spend whether it charged now (false: its key was already used, by a retry on another replica). */
export type SpendLeaseResult = { lease: ReservationRow | undefined; charged: boolean[] } & BalanceMove;

export type ReserveResult = { row: ReservationRow; created: boolean } & BalanceMove;
export type CloseResult = { row: ReservationRow; closed: boolean } & BalanceMove;
export type TopUpResult = { row: TopUpRow; created: boolean } & BalanceMove;

export interface LedgerStore {
  /**
   * Holds `input.milliCredits` under `input.key`, or finds the reservation a
   * previous call made under it (`created: false`). Throws
   * AM_ERR_TENANCY_INSUFFICIENT_CREDITS, writing nothing, when the balance is short.
   */
  reserve(input: ReserveInput, now: number): Promise<ReserveResult>;
  /** Settles or refunds; a reservation closes once, later calls get its first outcome with `closed: false`. */
  close(key: string, outcome: CloseOutcome, now: number): Promise<CloseResult>;
  /**
   * Writes many calls' settlements against the lease under `leaseKey` in one
   * transaction: a settled row per call, one `settle` entry per agent for
   * the batch (reserved → revenue, against the lease's reservation), the
   * lease's hold shrunk by their sum. A call whose key exists
   * already is not charged. A lease no longer held (expired, released)
   * charges each call from the available balance when it can, else not at all.
   */
  spendLease(leaseKey: string, spends: readonly LeaseSpend[], now: number): Promise<SpendLeaseResult>;
  /**
   * Moves `input.milliCredits` of the lease's hold to a reservation of its
   * own under `input.key` (a task that outlives its call is tracked and
   * settled like any reservation); no balance moves. A key already used
   * returns that reservation (`created: false`), and the lease keeps the credits,
   * whatever the lease's state: a refusal means nothing is carved under the key
   * (the gateway reads it so after a carve whose answer was lost).
   */
  carveLease(leaseKey: string, input: ReserveInput, now: number): Promise<ReserveResult>;
  /** Moves a reservation to a new key; already moved is fine, a taken key is refused. */
  rekey(oldKey: string, newKey: string): Promise<void>;
  balance(tenant: string): Promise<BalanceRow | undefined>;
  /** Balances under their low-balance threshold (the tenant's own, else the default), lowest first; one tenant's when `tenant` is given. */
  lowBalances(tenant: string | undefined, limit: number): Promise<BalanceRow[]>;
  /** Adds credits once per reference; the same reference for another tenant or amount is refused. */
  topUp(tenant: string, amount: number, reference: string, now: number): Promise<TopUpResult>;
  setThreshold(tenant: string, threshold: number | null, now: number): Promise<BalanceMove>;
  /** Settled calls of a tenant closed in [from, to), grouped. */
  usage(tenant: string, from: number | undefined, to: number | undefined, groupBy: readonly UsageDimension[]): Promise<UsageFigures[]>;
  reconcileFigures(): Promise<ReconcileFigures>;
  /** The reservation under `key`, whatever its status. */
  reservation(key: string): Promise<ReservationRow | undefined>;
  /** Up to `limit` reservations still held, oldest first: one tenant's, and/or those made before a time. */
  held(filter: HeldFilter, limit: number): Promise<ReservationRow[]>;
}
