import type { Kysely, Migration } from 'kysely';
import { protectTenantRows } from './0009-row-security-deny-by-default.js';

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
      await db.schema
        .createTable('gateway_bridged_runs')
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_bridged_runs_pk', ['agent', 'run_id'])
        .execute();
      if (dialect === 'postgres') await protectTenantRows(db, 'gateway_bridged_runs');
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('gateway_bridged_runs').ifExists().execute();
    },
  };
}
