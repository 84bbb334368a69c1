import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * Workflow runs and their step results: what lets a restarted orchestrator
 * resume a run from its last completed step without calling completed steps
 * again (a step row keeps the message id it sent, the idempotency key a
 * re-send reuses).
 */
export function workflowsMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'workflow_runs',
      columns: [
        'id text primary key',
        'tenant text not null',
        'workflow text not null',
        'definition text not null',
        'inputs text not null',
        'status text not null',
        'outputs text',
        'error text',
        'resumed_from text',
        // Who the run acts for (tenant, user, the user's scopes): a run resumed after a crash has no caller of its own.
        'on_behalf_of text not null',
        'created_at bigint not null',
        'updated_at bigint not null',
      ],
      indexes: [
        { name: 'workflow_runs_tenant', columns: ['tenant', 'created_at'] },
        // A failed run is resumed at most once.
        { name: 'workflow_runs_resumed_from', columns: ['resumed_from'], unique: true },
      ],
    },
    {
      name: 'workflow_steps',
      columns: [
        'run_id text not null',
        'path text not null',
        'status text not null',
        'attempt integer not null',
        'sends integer not null',
        'agent text',
        'message_id text',
        'task_id text',
        'context_id text',
        'output text',
        'error text',
        'started_at bigint not null',
        'finished_at bigint',
      ],
      primaryKey: ['run_id', 'path'],
    },
  ]);
}
