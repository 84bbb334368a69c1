import { sql, type Kysely, type Migration } from 'kysely';
import { createTable } from './create-table.js';

/**
 * The credit ledger: balances, reservations, top-ups and the double-entry
 * journal (entries and their postings). Amounts are bigint milli-credits.
 */
export function tenancyMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'credit_balances', [
        'tenant text primary key',
        'available bigint not null default 0',
        'reserved bigint not null default 0',
        'low_balance_threshold bigint',
        'low_balance_alerted integer not null default 0',
        'created_at bigint not null',
        'updated_at bigint not null',
        // The last line of defence: a bug in a conditional update fails the transaction instead of overdrawing.
      ])
        .addCheckConstraint('credit_balances_available_nonnegative', sql`available >= 0`)
        .addCheckConstraint('credit_balances_reserved_nonnegative', sql`reserved >= 0`)
        .execute();

      await createTable(db, 'credit_reservations', [
        'id text primary key',
        'key text not null unique',
        'tenant text not null',
        'agent text not null',
        'skill text not null',
        'client_id text',
        'held bigint not null',
        'status text not null',
        'charged bigint',
        'requested bigint',
        'task_state text',
        'reason text',
        'created_at bigint not null',
        'closed_at bigint',
      ])
        .addCheckConstraint('credit_reservations_held_nonnegative', sql`held >= 0`)
        .execute();
      // Usage reports read settled reservations of one tenant over a time window.
      await db.schema.createIndex('credit_reservations_usage').on('credit_reservations').columns(['tenant', 'status', 'closed_at']).execute();

      await createTable(db, 'credit_topups', [
        'reference text primary key',
        'tenant text not null',
        'amount bigint not null',
        'entry_id text not null',
        'created_at bigint not null',
      ]).execute();

      // The journal is written on every call and read in full only by reconcile, so it
      // carries no secondary indexes: each one would be another page written per commit.
      await createTable(db, 'credit_entries', [
        'id text primary key',
        'kind text not null',
        'tenant text not null',
        'reservation_id text',
        'reference text',
        'created_at bigint not null',
      ]).execute();

      // SQLite: `integer primary key` is the rowid itself (no AUTOINCREMENT, which writes sqlite_sequence on every insert).
      await createTable(db, 'credit_postings', [
        `id ${dialect === 'postgres' ? 'bigserial' : 'integer'} primary key`,
        'entry_id text not null',
        'line integer not null',
        'account text not null',
        'amount bigint not null',
      ]).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['credit_postings', 'credit_entries', 'credit_topups', 'credit_reservations', 'credit_balances']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
