/** The usage report query, one Kysely query for both dialects (a report, not the hot path). */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../../storage/index.js';
import type { UsageDimension } from '../ledger-types.js';
import type { UsageFigures } from './ledger-store.js';

/** Settled calls of `tenant` closed in [from, to), grouped by the given dimensions. */
export async function queryUsage(db: Kysely<Tables>, tenant: string, from: number | undefined, to: number | undefined, groupBy: readonly UsageDimension[]): Promise<UsageFigures[]> {
  // Integer division on both dialects (bigint / integer), so a day is days since the epoch, UTC.
  const day = sql<number>`closed_at / 86400000`;
  const rows = await db
    .selectFrom('credit_reservations')
    .select((eb) => [eb.fn.sum<number | string | null>('charged').as('milli'), eb.fn.countAll<number | string>().as('calls')])
    .where('tenant', '=', tenant)
    .where('status', '=', 'settled')
    .$if(from !== undefined, (qb) => qb.where('closed_at', '>=', from!))
    .$if(to !== undefined, (qb) => qb.where('closed_at', '<', to!))
    .$if(groupBy.includes('agent'), (qb) => qb.select('agent').groupBy('agent'))
    .$if(groupBy.includes('skill'), (qb) => qb.select('skill').groupBy('skill'))
    .$if(groupBy.includes('day'), (qb) => qb.select(day.as('day')).groupBy(day))
    .execute();
  return rows
    .filter((r) => Number(r.calls) > 0)
    .map((r) => ({
      ...(r.agent !== undefined && { agent: r.agent }),
      ...(r.skill !== undefined && { skill: r.skill }),
      ...(r.day !== undefined && { day: Number(r.day) }),
      milliCredits: Number(r.milli ?? 0),
      calls: Number(r.calls),
    }));
}
