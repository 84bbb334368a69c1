import type { Kysely, Migration } from 'kysely';

/**
 * The audit trail: the hash-chained log and its checkpoints. `seq` is not a
 * serial: the writer assigns it under the chain lock so the chain stays
 * gapless (a serial skips values when a transaction rolls back).
 */
export function auditMigration(dialect: 'sqlite' | 'postgres'): Migration {
  // On SQLite an INTEGER PRIMARY KEY is the rowid itself: no second index to maintain.
  const seqType = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', seqType, (c) => c.primaryKey())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('target_agent', 'text')
        .addColumn('task_id', 'text')
        .addColumn('skill', 'text')
        .addColumn('tenant', 'text')
        .addColumn('user_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('method', 'text')
        .addColumn('input_hash', 'text')
        .addColumn('output_hash', 'text')
        .addColumn('duration_ms', 'bigint')
        .addColumn('milli_credits', 'bigint')
        .addColumn('error_code', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      // Export by time range (SIEM pulls); everything else walks seq.
      await db.schema.createIndex('audit_log_time').on('audit_log').columns(['time']).execute();

      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', seqType, (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['audit_checkpoints', 'audit_log']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
