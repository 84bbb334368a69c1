import type { Kysely, Migration } from 'kysely';

/**
 * Workflow runs and their step results: what lets a restarted orchestrator
 * resume a run from its last completed step without calling completed steps
 * again (a step row keeps the message id it sent, the idempotency key a
 * re-send reuses).
 */
export function workflowsMigration(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workflow_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('workflow', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('outputs', 'text')
        .addColumn('error', 'text')
        .addColumn('resumed_from', 'text')
        // Who the run acts for (tenant, user, the user's scopes): a run resumed after a crash has no caller of its own.
        .addColumn('on_behalf_of', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('workflow_runs_tenant').on('workflow_runs').columns(['tenant', 'created_at']).execute();
      // A failed run is resumed at most once.
      await db.schema.createIndex('workflow_runs_resumed_from').on('workflow_runs').column('resumed_from').unique().execute();
      await db.schema
        .createTable('workflow_steps')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('sends', 'integer', (c) => c.notNull())
        .addColumn('agent', 'text')
        .addColumn('message_id', 'text')
        .addColumn('task_id', 'text')
        .addColumn('context_id', 'text')
        .addColumn('output', 'text')
        .addColumn('error', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addPrimaryKeyConstraint('workflow_steps_pk', ['run_id', 'path'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('workflow_steps').ifExists().execute();
      await db.schema.dropTable('workflow_runs').ifExists().execute();
    },
  };
}
