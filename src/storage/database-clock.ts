import { sql, type Kysely } from 'kysely';
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
  /**
   * The database's time now, read through `executor` (a transaction's, so what it writes shares one
   * time); it also sets the offset {@link estimate} applies.
   */
  now(executor?: Kysely<Tables>): Promise<number>;
  /**
   * The host's clock moved by the offset the last {@link now} measured, with no round trip: for judging
   * rows just read (an instance's lease shown live or lapsed), never for writing a time another replica judges.
   */
  estimate(): number;
}

export function databaseClock(database: Pick<Database, 'dialect' | 'db'>): DatabaseClock {
  if (database.dialect === 'sqlite') return { now: () => Promise.resolve(Date.now()), estimate: () => Date.now() };
  let offsetMs = 0;
  return {
    async now(executor = database.db) {
      const sent = Date.now();
      const { rows } = await sql<{ now: string | number }>`select ${DATABASE_NOW_MS} as now`.execute(executor);
      const answered = Date.now();
      const now = Number(rows[0]?.now);
      if (!Number.isFinite(now)) throw new Error(`the database answered ${String(rows[0]?.now)} for its clock`);
      // The statement ran between sending and the answer: its midpoint is the host's best guess of when.
      offsetMs = now - (sent + answered) / 2;
      return now;
    },
    estimate: () => Math.round(Date.now() + offsetMs),
  };
}
