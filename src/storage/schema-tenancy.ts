import type { Generated } from 'kysely';

/**
 * Tables of the tenancy component, as Kysely sees them (shared by both dialects).
 * Amounts are integer milli-credits (1 credit = 1000); timestamps are epoch ms.
 */

/** One row per tenant that ever held credits: the balance the journal must add up to. */
export interface CreditBalancesTable {
  tenant: string;
  /** Spendable now. Never below zero (a CHECK constraint backs the conditional updates). */
  available: number;
  /** Held by open reservations. */
  reserved: number;
  /** Per-tenant low-balance threshold; null falls back to the ledger's default. */
  low_balance_threshold: number | null;
  /** 1 while the tenant sits below its threshold and has been told so (one event per crossing). */
  low_balance_alerted: number;
  created_at: number;
  updated_at: number;
}

/** A hold for one call, then its outcome. */
export interface CreditReservationsTable {
  id: string;
  /** Idempotency key (`agent:taskId`, or the message id until the task id is known); unique, movable by rekey. */
  key: string;
  tenant: string;
  agent: string;
  skill: string;
  client_id: string | null;
  held: number;
  /** `held`, `settled` or `refunded`. */
  status: string;
  /** What the tenant paid (settled only). */
  charged: number | null;
  /** What the settle asked for, before the cap at `held`. */
  requested: number | null;
  task_state: string | null;
  reason: string | null;
  created_at: number;
  closed_at: number | null;
}

/** Top-ups, unique by the caller's reference (the idempotency key). */
export interface CreditTopupsTable {
  reference: string;
  tenant: string;
  amount: number;
  entry_id: string;
  created_at: number;
}

/** The journal: one row per balanced entry. */
export interface CreditEntriesTable {
  id: string;
  /** `reserve`, `settle`, `refund` or `topup`. */
  kind: string;
  tenant: string;
  reservation_id: string | null;
  reference: string | null;
  created_at: number;
}

/** Postings of a journal entry; the amounts of one entry sum to zero. */
export interface CreditPostingsTable {
  id: Generated<number>;
  entry_id: string;
  line: number;
  /** `tenant:<t>:available`, `tenant:<t>:reserved`, `revenue:<agent>` or `topups`. */
  account: string;
  /** Signed milli-credits. */
  amount: number;
}

/** Tables of the tenancy component. */
export interface TenancyTables {
  credit_balances: CreditBalancesTable;
  credit_reservations: CreditReservationsTable;
  credit_topups: CreditTopupsTable;
  credit_entries: CreditEntriesTable;
  credit_postings: CreditPostingsTable;
}
