import type { Kysely, Migration } from 'kysely';
import { createTable } from './create-table.js';

/**
 * Workflow runs and their step results: what lets a restarted orchestrator
 * resume a run from its last completed step without calling completed steps
 * again (a step row keeps the message id it sent, the idempotency key a
 * re-send reuses).
 */
export function workflowsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'workflow_runs', [
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
      ]).execute();
      await db.schema.createIndex('workflow_runs_tenant').on('workflow_runs').columns(['tenant', 'created_at']).execute();
      // A failed run is resumed at most once.
      await db.schema.createIndex('workflow_runs_resumed_from').on('workflow_runs').column('resumed_from').unique().execute();
      await createTable(db, 'workflow_steps', [
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
      ])
        .addPrimaryKeyConstraint('workflow_steps_pk', ['run_id', 'path'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('workflow_steps').ifExists().execute();
      await db.schema.dropTable('workflow_runs').ifExists().execute();
    },
  };
}
