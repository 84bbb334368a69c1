import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * How far each gateway's answer journal is in the audit chain (ADR 0047):
 * the journal's highest sequence number whose audit entry is a row, written
 * in the transaction that appends the row. A gateway killed with SIGKILL
 * replays its journal at start and appends only the entries past its mark,
 * so no entry becomes two rows. Not tenant-owned: a journal is a replica's.
 */
export function auditJournalMarksMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'audit_journal_marks',
      columns: ['journal text primary key', 'through bigint not null', 'updated_at bigint not null'],
    },
  ]);
}
