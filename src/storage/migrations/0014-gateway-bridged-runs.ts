import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';
import { createTable } from './create-table.js';

/**
 * The tenant each run of a bridged ACP agent belongs to (docs/acp.md): an ACP
 * agent knows no tenants, so the gateway keeps who started each run and
 * answers another tenant's GetTask, CancelTask, subscription or resume as
 * not found, as a native agent does. Tenant-owned, so on PostgreSQL it gets
 * the deny-by-default row security of migration 0009 (ADR 0014).
 */
export function gatewayBridgedRunsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createTable(db, 'gateway_bridged_runs', [
        'agent text not null',
        'run_id text not null',
        'tenant text not null',
        'created_at bigint not null',
      ])
        .addPrimaryKeyConstraint('gateway_bridged_runs_pk', ['agent', 'run_id'])
        .execute();
      if (dialect === 'postgres') await protectTenantRows(db, 'gateway_bridged_runs');
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gateway_bridged_runs').ifExists().execute();
    },
  };
}
