import { sql, type Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * The credit ledger: balances, reservations, top-ups and the double-entry
 * journal (entries and their postings). Amounts are bigint milli-credits.
 */
export function tenancyMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'credit_balances',
      columns: [
        'tenant text primary key',
        'available bigint not null default 0',
        'reserved bigint not null default 0',
        'low_balance_threshold bigint',
        'low_balance_alerted integer not null default 0',
        'created_at bigint not null',
        'updated_at bigint not null',
      ],
      // The last line of defence: a bug in a conditional update fails the transaction instead of overdrawing.
      checks: {
        credit_balances_available_nonnegative: sql`available >= 0`,
        credit_balances_reserved_nonnegative: sql`reserved >= 0`,
      },
    },
    {
      name: 'credit_reservations',
      columns: [
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
      ],
      checks: { credit_reservations_held_nonnegative: sql`held >= 0` },
      // Usage reports read settled reservations of one tenant over a time window.
      indexes: [{ name: 'credit_reservations_usage', columns: ['tenant', 'status', 'closed_at'] }],
    },
    {
      name: 'credit_topups',
      columns: [
        'reference text primary key',
        'tenant text not null',
        'amount bigint not null',
        'entry_id text not null',
        'created_at bigint not null',
      ],
    },
    // The journal is written on every call and read in full only by reconcile, so it
    // carries no secondary indexes: each one would be another page written per commit.
    {
      name: 'credit_entries',
      columns: [
        'id text primary key',
        'kind text not null',
        'tenant text not null',
        'reservation_id text',
        'reference text',
        'created_at bigint not null',
      ],
    },
    // SQLite: `integer primary key` is the rowid itself (no AUTOINCREMENT, which writes sqlite_sequence on every insert).
    {
      name: 'credit_postings',
      columns: [
        `id ${dialect === 'postgres' ? 'bigserial' : 'integer'} primary key`,
        'entry_id text not null',
        'line integer not null',
        'account text not null',
        'amount bigint not null',
      ],
    },
  ]);
}
