import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * The router's conversation map (docs/orchestrator.md#routing): router context → specialist,
 * per tenant and caller, shared by orchestrator replicas and kept across
 * restarts. Tenant-owned, so on PostgreSQL it gets the deny-by-default row
 * security of migration 0009 (ADR 0014).
 */
export function routerConversationsMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'router_conversations',
      columns: [
        'tenant text not null',
        'caller text not null',
        'context_id text not null',
        'agent text not null',
        'skill text',
        'child_context_id text not null',
        'child_task_id text not null',
        'touched_at bigint not null',
      ],
      primaryKey: ['tenant', 'caller', 'context_id'],
      // The sweep of idle conversations reads by age.
      indexes: [{ name: 'router_conversations_touched', columns: ['touched_at'] }],
      tenantOwned: true,
    },
  ]);
}
