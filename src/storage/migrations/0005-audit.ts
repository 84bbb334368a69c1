import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * The audit trail: the hash-chained log and its checkpoints. `seq` is not a
 * serial: the writer assigns it under the chain lock so the chain stays
 * gapless (a serial skips values when a transaction rolls back).
 */
export function auditMigration(dialect: MigrationDialect): Migration {
  // On SQLite an INTEGER PRIMARY KEY is the rowid itself: no second index to maintain.
  const seqType = dialect === 'postgres' ? 'bigint' : 'integer';
  return tableMigration(dialect, [
    {
      name: 'audit_log',
      columns: [
        `seq ${seqType} primary key`,
        'time bigint not null',
        'event_type text not null',
        'actor_kind text not null',
        'actor_id text',
        'target_agent text',
        'task_id text',
        'skill text',
        'tenant text',
        'user_id text',
        'ip text',
        'user_agent text',
        'method text',
        'input_hash text',
        'output_hash text',
        'duration_ms bigint',
        'milli_credits bigint',
        'error_code text',
        'outcome text not null',
        'detail text',
        'prev_hash text not null',
        'hash text not null',
      ],
      // Export by time range (SIEM pulls); everything else walks seq.
      indexes: [{ name: 'audit_log_time', columns: ['time'] }],
    },
    {
      name: 'audit_checkpoints',
      columns: [
        `seq ${seqType} primary key`,
        'hash text not null',
        'created_at bigint not null',
      ],
    },
  ]);
}
