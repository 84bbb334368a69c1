import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The credit ledger: balances, reservations, top-ups and the double-entry
 * journal (entries and their postings). Amounts are bigint milli-credits.
 */
export function tenancyMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('credit_balances')
        .addColumn('tenant', 'text', (c) => c.primaryKey())
        .addColumn('available', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('low_balance_threshold', 'bigint')
        .addColumn('low_balance_alerted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // The last line of defence: a bug in a conditional update fails the transaction instead of overdrawing.
        .addCheckConstraint('credit_balances_available_nonnegative', sql`available >= 0`)
        .addCheckConstraint('credit_balances_reserved_nonnegative', sql`reserved >= 0`)
        .execute();

      await db.schema
        .createTable('credit_reservations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('skill', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('held', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('charged', 'bigint')
        .addColumn('requested', 'bigint')
        .addColumn('task_state', 'text')
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addCheckConstraint('credit_reservations_held_nonnegative', sql`held >= 0`)
        .execute();
      // Usage reports read settled reservations of one tenant over a time window.
      await db.schema.createIndex('credit_reservations_usage').on('credit_reservations').columns(['tenant', 'status', 'closed_at']).execute();

      await db.schema
        .createTable('credit_topups')
        .addColumn('reference', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('entry_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      // The journal is written on every call and read in full only by reconcile, so it
      // carries no secondary indexes: each one would be another page written per commit.
      await db.schema
        .createTable('credit_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('reservation_id', 'text')
        .addColumn('reference', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      // SQLite: `integer primary key` is the rowid itself (no AUTOINCREMENT, which writes sqlite_sequence on every insert).
      await db.schema
        .createTable('credit_postings')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
        .addColumn('entry_id', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['credit_postings', 'credit_entries', 'credit_topups', 'credit_reservations', 'credit_balances']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
