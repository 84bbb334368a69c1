import { sql, type Kysely, type Migration } from 'kysely';
import { createTable } from './create-table.js';

/** Tasks, their event log, push configs, the push outbox and replica heartbeats. */
export function runtimeMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'tasks', [
        'id text primary key',
        'agent text not null',
        "tenant text not null default ''",
        'context_id text not null',
        'state text not null',
        'skill text',
        'message_id text',
        'message_key bigint',
        'message_bucket integer',
        'version integer not null',
        'last_seq integer not null',
        'snapshot text not null',
        'owner text',
        'idempotent integer not null default 0',
        'terminal integer not null default 0',
        'created_at bigint not null',
        'updated_at bigint not null',
      ]).execute();
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

      await createTable(db, 'task_events', [
        'task_id text not null',
        // One row holds the events of one write: seq..last_seq (storage/event-rows.ts).
        'seq integer not null',
        'last_seq integer not null',
        'kind text not null',
        'payload text not null',
        'created_at bigint not null',
      ])
        .addPrimaryKeyConstraint('task_events_pk', ['task_id', 'seq'])
        .execute();

      await createTable(db, 'push_configs', [
        'task_id text not null',
        'id text not null',
        "tenant text not null default ''",
        'config text not null',
        'protocol text not null',
        'created_at bigint not null',
      ])
        .addPrimaryKeyConstraint('push_configs_pk', ['task_id', 'id'])
        .execute();

      await createTable(db, 'push_outbox', [
        dialect === 'postgres' ? 'id bigserial primary key' : 'id integer primary key autoincrement',
        'task_id text not null',
        'config_id text not null',
        'seq integer not null',
        'state text not null',
        'attempts integer not null default 0',
        'next_attempt_at bigint not null',
        'claimed_by text',
        'claim_expires_at bigint',
        'last_error text',
        'created_at bigint not null',
        'updated_at bigint not null',
      ]).execute();
      await db.schema.createIndex('push_outbox_due').on('push_outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('push_outbox_order').on('push_outbox').columns(['task_id', 'config_id', 'state', 'id']).execute();

      await createTable(db, 'runtime_replicas', [
        'id text primary key',
        'started_at bigint not null',
        'heartbeat_at bigint not null',
      ]).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['runtime_replicas', 'push_outbox', 'push_configs', 'task_events', 'tasks']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
