import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import type { Tables } from './schema.js';

/**
 * Now on PostgreSQL's clock, in ms since the epoch: the one clock every replica sharing the database
 * reads alike, whatever each host's says.
 */
export const DATABASE_NOW_MS = sql<number>`(extract(epoch from statement_timestamp()) * 1000)::bigint`;

/**
 * The time for what one replica writes and another judges (leases, due times, claims). On
 * PostgreSQL it is the database's: judged against each replica's own clock, a replica whose clock
 * runs ahead takes the others' live leases for lapsed, and one behind writes leases that outlive
 * their holders. On SQLite the database is this process's own file and the host's clock is the only one.
 */
export interface DatabaseClock {
  /** The database's time now, read through `executor` (a transaction's, so what it writes shares one time). */
  now(executor?: Kysely<Tables>): Promise<number>;
  /**
   * The same time as a column of a query that reads rows to judge (`.select(clock.column().as('now'))`):
   * the rows and the time they are judged at in one round trip.
   */
  column(): RawBuilder<number>;
}

export function databaseClock(database: Pick<Database, 'dialect' | 'db'>): DatabaseClock {
  if (database.dialect === 'sqlite') return { now: () => Promise.resolve(Date.now()), column: () => sql<number>`${Date.now()}` };
  return {
    async now(executor = database.db) {
      const { rows } = await sql<{ now: string | number }>`select ${DATABASE_NOW_MS} as now`.execute(executor);
      const now = Number(rows[0]?.now);
      if (!Number.isFinite(now)) throw new Error(`the database answered ${String(rows[0]?.now)} for its clock`);
      return now;
    },
    column: () => DATABASE_NOW_MS,
  };
}
