import type { Migration } from 'kysely';
import { serialKey, tableMigration, type IndexSpec, type MigrationDialect } from './create-table.js';

/** The indexes of `tasks`; 0016 makes them again on the partitioned table. */
export const TASKS_INDEXES: readonly IndexSpec[] = [
  // ListTasks: newest first within one agent and tenant (A2A §3.1.4).
  { name: 'tasks_list', columns: ['agent', 'tenant', 'updated_at', 'id'] },
  // A retried SendMessage (same messageId) finds its task instead of starting another (A2A §3.3.1).
  // A time bucket, then an integer hash of the text: inserts append at the right edge (storage/message-key.ts).
  { name: 'tasks_message', columns: ['message_bucket', 'message_key'] },
  { name: 'tasks_context', columns: ['context_id'] },
  // Recovery scans only live tasks of an owner; retention scans only terminal ones.
  // Partial: most tasks are written already terminal and never enter it.
  { name: 'tasks_owner_live', columns: ['owner'], where: ['terminal', 0] },
  { name: 'tasks_retention', columns: ['terminal', 'updated_at'] },
];

/** Tasks, their event log, push configs, the push outbox and replica heartbeats. */
export function runtimeMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'tasks',
      columns: [
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
      ],
      indexes: TASKS_INDEXES,
    },
    {
      name: 'task_events',
      columns: [
        'task_id text not null',
        // One row holds the events of one write: seq..last_seq (storage/event-rows.ts).
        'seq integer not null',
        'last_seq integer not null',
        'kind text not null',
        'payload text not null',
        'created_at bigint not null',
      ],
      primaryKey: ['task_id', 'seq'],
    },
    {
      name: 'push_configs',
      columns: [
        'task_id text not null',
        'id text not null',
        "tenant text not null default ''",
        'config text not null',
        'protocol text not null',
        'created_at bigint not null',
      ],
      primaryKey: ['task_id', 'id'],
    },
    {
      name: 'push_outbox',
      columns: [
        serialKey(dialect, 'id'),
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
      ],
      indexes: [
        { name: 'push_outbox_due', columns: ['state', 'next_attempt_at'] },
        { name: 'push_outbox_order', columns: ['task_id', 'config_id', 'state', 'id'] },
      ],
    },
    {
      name: 'runtime_replicas',
      columns: [
        'id text primary key',
        'started_at bigint not null',
        'heartbeat_at bigint not null',
      ],
    },
  ]);
}
