/**
 * What both ledger stores share: the rows their writes create, and the reads
 * that are one Kysely query on either dialect (a report, an operator's
 * look-up, a sweep's scan: never a call's hot path). Each dialect's store
 * extends {@link LedgerCore} with its writes, which differ in kind, not in
 * detail: SQLite's run synchronously inside a group commit, PostgreSQL's
 * await conditional updates under row locks.
 */
import type { Kysely } from 'kysely';
import { uuidv7, type Tables } from '../../storage/index.js';
import type { ReserveInput, UsageDimension } from '../ledger-types.js';
import { queryHeld, queryReservation, type HeldFilter } from './held-query.js';
import type { LeaseSpend, LedgerStore, UsageFigures } from './ledger-store.js';
import type { ReservationRow } from './rows.js';
import { queryUsage } from './usage-query.js';

/** A new reservation holding `input.milliCredits` for `input`'s call. */
export function heldReservation(input: ReserveInput, now: number): ReservationRow {
  return { id: uuidv7(), key: input.key, tenant: input.tenant, agent: input.agent, skill: input.skill, client_id: input.clientId ?? null, held: input.milliCredits, status: 'held', charged: null, requested: null, task_state: null, reason: null, created_at: now, closed_at: null };
}

/** The settled row of one call spent against a lease, charged `charged`. */
export function settledReservation(spend: LeaseSpend, id: string, charged: number, now: number): ReservationRow {
  return { id, key: spend.key, tenant: spend.tenant, agent: spend.agent, skill: spend.skill, client_id: spend.clientId ?? null, held: spend.held, status: 'settled', charged, requested: spend.requested, task_state: spend.state ?? null, reason: null, created_at: spend.createdAt, closed_at: now };
}

/** The reads of {@link LedgerStore} that are the same on both dialects. */
export abstract class LedgerCore implements Pick<LedgerStore, 'usage' | 'reservation' | 'held'> {
  readonly #reader: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#reader = db;
  }

  usage(tenant: string, from: number | undefined, to: number | undefined, groupBy: readonly UsageDimension[]): Promise<UsageFigures[]> {
    return queryUsage(this.#reader, tenant, from, to, groupBy);
  }

  reservation(key: string): Promise<ReservationRow | undefined> {
    return queryReservation(this.#reader, key);
  }

  held(filter: HeldFilter, limit: number): Promise<ReservationRow[]> {
    return queryHeld(this.#reader, filter, limit);
  }
}
