/** Row shapes of the ledger tables, with bigint columns made numbers at the boundary. */
import type { Selectable } from 'kysely';
import type { Tables } from '../../storage/index.js';

export type BalanceRow = Selectable<Tables['credit_balances']>;
export type ReservationRow = Selectable<Tables['credit_reservations']>;
export type TopUpRow = Selectable<Tables['credit_topups']>;

/** PostgreSQL hands some bigint results over as strings; every row leaves the store with numbers. */
export function normalizeBalance(row: BalanceRow): BalanceRow {
  return {
    ...row,
    available: Number(row.available),
    reserved: Number(row.reserved),
    low_balance_threshold: row.low_balance_threshold === null ? null : Number(row.low_balance_threshold),
    low_balance_alerted: Number(row.low_balance_alerted),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function normalizeReservation(row: ReservationRow): ReservationRow {
  return {
    ...row,
    held: Number(row.held),
    charged: row.charged === null ? null : Number(row.charged),
    requested: row.requested === null ? null : Number(row.requested),
    created_at: Number(row.created_at),
    closed_at: row.closed_at === null ? null : Number(row.closed_at),
  };
}

export function normalizeTopUp(row: TopUpRow): TopUpRow {
  return { ...row, amount: Number(row.amount), created_at: Number(row.created_at) };
}

/** The reservation row after closing `current` with `outcome`. */
export function closedReservation(current: ReservationRow, outcome: { kind: 'settle'; requested: number; state: string | undefined } | { kind: 'refund'; reason: string }, now: number): ReservationRow {
  const settle = outcome.kind === 'settle';
  return {
    ...current,
    status: settle ? 'settled' : 'refunded',
    charged: settle ? Math.min(outcome.requested, current.held) : null,
    requested: settle ? outcome.requested : null,
    task_state: settle ? (outcome.state ?? null) : null,
    reason: settle ? null : outcome.reason,
    closed_at: now,
  };
}
