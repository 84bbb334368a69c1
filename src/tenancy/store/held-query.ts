/** Reservations still held, one Kysely query for both dialects (an operator's and a sweep's read, not the hot path). */
import type { Kysely } from 'kysely';
import type { Tables } from '../../storage/index.js';
import { normalizeReservation, type ReservationRow } from './rows.js';

/** What {@link queryHeld} selects: one tenant's holds, and/or those made before a time (epoch ms). */
export interface HeldFilter {
  tenant?: string | undefined;
  createdBefore?: number | undefined;
}

/** The reservation under `key`, whatever its status. */
export async function queryReservation(db: Kysely<Tables>, key: string): Promise<ReservationRow | undefined> {
  const row = await db.selectFrom('credit_reservations').selectAll().where('key', '=', key).executeTakeFirst();
  return row && normalizeReservation(row);
}

/** Up to `limit` held reservations matching `filter`, oldest first. */
export async function queryHeld(db: Kysely<Tables>, filter: HeldFilter, limit: number): Promise<ReservationRow[]> {
  const rows = await db
    .selectFrom('credit_reservations')
    .selectAll()
    .where('status', '=', 'held')
    .$if(filter.tenant !== undefined, (qb) => qb.where('tenant', '=', filter.tenant!))
    .$if(filter.createdBefore !== undefined, (qb) => qb.where('created_at', '<', filter.createdBefore!))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(normalizeReservation);
}
