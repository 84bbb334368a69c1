/** What the credit ledger takes and returns. Amounts are integer milli-credits; times are ISO 8601. */
import type { HoldReleaseAnswer } from '../contracts/ledger/index.js';

/** Input of `CreditLedger.reserve`. */
export interface ReserveInput {
  tenant: string;
  /**
   * Idempotency key, unique across tenants: `${agent}:${taskId}`, or the request's
   * message id (prefixed with tenant and agent) until the task id is known.
   */
  key: string;
  milliCredits: number;
  agent: string;
  skill: string;
  clientId?: string | undefined;
}

/** Where a reservation stands. */
export type ReservationStatus = 'held' | 'settled' | 'refunded';

/** A hold on a tenant's credits for one call. */
export interface Reservation {
  id: string;
  key: string;
  tenant: string;
  agent: string;
  skill: string;
  clientId?: string;
  /** Amount held. */
  milliCredits: number;
  status: ReservationStatus;
  createdAt: string;
  /** True when this call found the reservation already made (held or settled) under the key: nothing was held this time. */
  replayed: boolean;
}

/**
 * How a reservation ended: settled (charged) or refunded. The credit API
 * answers a release with it (`HoldReleaseAnswer` of contracts/ledger, which
 * declares the fields they share), the released amount in credits added.
 */
export interface Settlement extends Omit<HoldReleaseAnswer, 'releasedCredits'> {
  /** What the settle asked to charge; above the hold, the excess is not charged (see docs/credits.md). */
  requestedMilliCredits?: number;
  /** Terminal task state given to settle. */
  state?: string;
}

/** A tenant's balance. `milliCredits` = available + reserved. */
export interface CreditBalance {
  tenant: string;
  milliCredits: number;
  reservedMilliCredits: number;
  availableMilliCredits: number;
}

/** Result of `CreditLedger.topUp`. */
export interface TopUp {
  tenant: string;
  reference: string;
  milliCredits: number;
  createdAt: string;
  /** True when the reference was already used for this same top-up: nothing was added this time. */
  replayed: boolean;
  /** The balance after the top-up (now, for a replay). */
  balance: CreditBalance;
}

/** Dimensions usage can be grouped by. */
export type UsageDimension = 'agent' | 'skill' | 'day';

/** Input of `CreditLedger.usage`. */
export interface UsageQuery {
  tenant: string;
  /** Inclusive start: `YYYY-MM-DD` (UTC) or an ISO 8601 instant. */
  from?: string | undefined;
  /** End: `YYYY-MM-DD` includes that whole UTC day; an ISO 8601 instant is exclusive. */
  to?: string | undefined;
  groupBy: UsageDimension[];
}

/** One group of settled calls. */
export interface UsageRow {
  agent?: string;
  skill?: string;
  /** UTC day of the settlement, `YYYY-MM-DD`. */
  day?: string;
  milliCredits: number;
  calls: number;
}

/** One way the journal and the tables disagree. */
export type Discrepancy =
  | { kind: 'balance'; tenant: string; account: 'available' | 'reserved'; journalMilliCredits: number; tableMilliCredits: number }
  | { kind: 'holds'; tenant: string; openHoldsMilliCredits: number; tableMilliCredits: number }
  | { kind: 'revenue'; agent: string; journalMilliCredits: number; chargedMilliCredits: number }
  | { kind: 'topups'; journalMilliCredits: number; topupsMilliCredits: number }
  | { kind: 'entry'; entryId: string; sumMilliCredits: number; postings: number }
  | { kind: 'account'; account: string; journalMilliCredits: number };

/** Result of `CreditLedger.reconcile`. */
export interface ReconcileReport {
  ok: boolean;
  tenants: number;
  entries: number;
  discrepancies: Discrepancy[];
}

/** A tenant whose available balance is under its low-balance threshold (`CreditLedger.lowBalances`). */
export interface LowBalance extends CreditBalance {
  /** The tenant's own threshold, else the ledger's default, milli-credits. */
  thresholdMilliCredits: number;
}

/** Emitted once each time a tenant's available balance falls below its threshold. */
export interface LowBalanceEvent {
  tenant: string;
  availableMilliCredits: number;
  thresholdMilliCredits: number;
  at: string;
}
