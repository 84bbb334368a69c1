/**
 * The credit API's answers, as the gateway writes them (`gateway/credit-routes/views.ts`)
 * and the CLI and the console read them: every amount in milli-credits and,
 * for people, as a decimal `credits` string.
 */

/** `GET /v1/tenants/{tenant}/credits`. */
export interface CreditBalanceAnswer {
  tenant: string;
  milliCredits: number;
  credits: string;
  reservedMilliCredits: number;
  reservedCredits: string;
  availableMilliCredits: number;
  availableCredits: string;
}

/** One row of a usage report: the dimensions it was grouped by, and what they were charged. */
export interface CreditUsageRow {
  agent?: string;
  skill?: string;
  day?: string;
  milliCredits: number;
  credits: string;
  calls: number;
}

/** `GET /v1/tenants/{tenant}/credits/usage`. */
export interface CreditUsageAnswer {
  tenant: string;
  from?: string;
  to?: string;
  groupBy: string[];
  rows: CreditUsageRow[];
  total: { milliCredits: number; credits: string; calls: number };
}

/** `POST /v1/tenants/{tenant}/credits/topups`. */
export interface TopUpAnswer {
  tenant: string;
  reference: string;
  milliCredits: number;
  credits: string;
  createdAt: string;
  replayed: boolean;
  balance: CreditBalanceAnswer;
}

/** One open hold of `GET /v1/tenants/{tenant}/credits/reservations`. */
export interface CreditHold {
  key: string;
  agent: string;
  skill: string;
  clientId?: string;
  milliCredits: number;
  credits: string;
  createdAt: string;
}

/** `GET /v1/tenants/{tenant}/credits/reservations`. */
export interface CreditHoldsAnswer {
  tenant: string;
  reservations: CreditHold[];
}

/** `POST /v1/tenants/{tenant}/credits/reservations/release`: how the hold ended (the ledger's `Settlement`). */
export interface HoldReleaseAnswer {
  key: string;
  tenant: string;
  agent: string;
  skill: string;
  status: 'settled' | 'refunded';
  /** What was held. */
  heldMilliCredits: number;
  /** What the tenant paid (0 for a refund). */
  chargedMilliCredits: number;
  /** What went back to the tenant's available balance. */
  releasedMilliCredits: number;
  releasedCredits: string;
  /** Reason given to refund. */
  reason?: string;
  closedAt: string;
  /**
   * True when the reservation was already closed before this call: nothing
   * moved, and this is the first outcome (a retry, or a settle/refund that lost a race).
   */
  replayed: boolean;
}
