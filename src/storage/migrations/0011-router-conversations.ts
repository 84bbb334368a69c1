import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';
import { createTable } from './create-table.js';

/**
 * The router's conversation map (docs/orchestrator.md#routing): router context → specialist,
 * per tenant and caller, shared by orchestrator replicas and kept across
 * restarts. Tenant-owned, so on PostgreSQL it gets the deny-by-default row
 * security of migration 0009 (ADR 0014).
 */
export function routerConversationsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'router_conversations', [
        'tenant text not null',
        'caller text not null',
        'context_id text not null',
        'agent text not null',
        'skill text',
        'child_context_id text not null',
        'child_task_id text not null',
        'touched_at bigint not null',
      ])
        .addPrimaryKeyConstraint('router_conversations_pk', ['tenant', 'caller', 'context_id'])
        .execute();
      // The sweep of idle conversations reads by age.
      await db.schema.createIndex('router_conversations_touched').on('router_conversations').column('touched_at').execute();
      if (dialect === 'postgres') await protectTenantRows(db, 'router_conversations');
    },
    async down(db: Kysely<unknown>) {
      // Dropping the table drops its policy.
      await db.schema.dropTable('router_conversations').ifExists().execute();
    },
  };
}
