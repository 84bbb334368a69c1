import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';

/**
 * The router's conversation map (docs/orchestrator.md#routing): router context → specialist,
 * per tenant and caller, shared by orchestrator replicas and kept across
 * restarts. Tenant-owned, so on PostgreSQL it gets the deny-by-default row
 * security of migration 0009 (ADR 0014).
 */
export function routerConversationsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('router_conversations')
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('caller', 'text', (c) => c.notNull())
        .addColumn('context_id', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('skill', 'text')
        .addColumn('child_context_id', 'text', (c) => c.notNull())
        .addColumn('child_task_id', 'text', (c) => c.notNull())
        .addColumn('touched_at', 'bigint', (c) => c.notNull())
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
