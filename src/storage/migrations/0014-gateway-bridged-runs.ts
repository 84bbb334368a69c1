import type { Migration } from 'kysely';
import { tableMigration, type MigrationDialect } from './create-table.js';

/**
 * The tenant each run of a bridged ACP agent belongs to (docs/acp.md): an ACP
 * agent knows no tenants, so the gateway keeps who started each run and
 * answers another tenant's GetTask, CancelTask, subscription or resume as
 * not found, as a native agent does. Tenant-owned, so on PostgreSQL it gets
 * the deny-by-default row security of migration 0009 (ADR 0014).
 */
export function gatewayBridgedRunsMigration(dialect: MigrationDialect): Migration {
  return tableMigration(dialect, [
    {
      name: 'gateway_bridged_runs',
      columns: [
        'agent text not null',
        'run_id text not null',
        'tenant text not null',
        'created_at bigint not null',
      ],
      primaryKey: ['agent', 'run_id'],
      tenantOwned: true,
    },
  ]);
}
