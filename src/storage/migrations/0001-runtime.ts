import { sql, type Kysely, type Migration } from 'kysely';

/** Tasks, their event log, push configs, the push outbox and replica heartbeats. */
export function runtimeMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('skill', 'text')
        .addColumn('message_id', 'text')
        .addColumn('message_key', 'bigint')
        .addColumn('message_bucket', 'integer')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('idempotent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('terminal', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // ListTasks: newest first within one agent and tenant (A2A §3.1.4).
      await db.schema.createIndex('tasks_list').on('tasks').columns(['agent', 'tenant', 'updated_at', 'id']).execute();
      // A retried SendMessage (same messageId) finds its task instead of starting another (A2A §3.3.1).
      // A time bucket, then an integer hash of the text: inserts append at the right edge (storage/message-key.ts).
      await db.schema.createIndex('tasks_message').on('tasks').columns(['message_bucket', 'message_key']).execute();
      await db.schema.createIndex('tasks_context').on('tasks').columns(['context_id']).execute();
      // Recovery scans only live tasks of an owner; retention scans only terminal ones.
      // Partial: most tasks are written already terminal and never enter it.
      await db.schema.createIndex('tasks_owner_live').on('tasks').column('owner').where(sql.ref('terminal'), '=', 0).execute();
      await db.schema.createIndex('tasks_retention').on('tasks').columns(['terminal', 'updated_at']).execute();

      await db.schema
        .createTable('task_events')
        .addColumn('task_id', 'text', (c) => c.notNull())
        // One row holds the events of one write: seq..last_seq (storage/event-rows.ts).
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('task_events_pk', ['task_id', 'seq'])
        .execute();

      await db.schema
        .createTable('push_configs')
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('push_configs_pk', ['task_id', 'id'])
        .execute();

      let outbox = db.schema.createTable('push_outbox');
      outbox =
        dialect === 'postgres'
          ? outbox.addColumn('id', 'bigserial', (c) => c.primaryKey())
          : outbox.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await outbox
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('config_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claim_expires_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('push_outbox_due').on('push_outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('push_outbox_order').on('push_outbox').columns(['task_id', 'config_id', 'state', 'id']).execute();

      await db.schema
        .createTable('runtime_replicas')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['runtime_replicas', 'push_outbox', 'push_configs', 'task_events', 'tasks']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
