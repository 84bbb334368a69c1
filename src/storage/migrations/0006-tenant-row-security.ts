import { sql, type Kysely, type Migration } from 'kysely';

/** Tables whose rows belong to one tenant, with their tenant column. */
const TENANT_TABLES = ['tasks', 'push_configs'];

/**
 * PostgreSQL row-level security on the runtime's tenant-owned tables: the
 * second line behind the task store's own tenant filter. A session that
 * sets `agentmesh.tenant` (the store does, for every tenant-scoped read)
 * sees that tenant's rows only; one that does not (recovery, retention,
 * push delivery: work that spans tenants) sees every row. FORCE applies it
 * to the table owner too; superusers and BYPASSRLS roles always bypass row
 * security, so production runs agentmesh as an ordinary role. SQLite has no
 * row security: nothing to do there. Superseded by 0009, which denies by
 * default and covers every tenant-owned table (ADR 0014).
 */
export function tenantRowSecurityMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const table of TENANT_TABLES) {
        await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
        await sql`alter table ${sql.table(table)} force row level security`.execute(db);
        await sql`create policy tenant_isolation on ${sql.table(table)}
          using (coalesce(current_setting('agentmesh.tenant', true), '') = '' or tenant = current_setting('agentmesh.tenant', true))
          with check (coalesce(current_setting('agentmesh.tenant', true), '') = '' or tenant = current_setting('agentmesh.tenant', true))`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const table of TENANT_TABLES) {
        await sql`drop policy if exists tenant_isolation on ${sql.table(table)}`.execute(db);
        await sql`alter table ${sql.table(table)} disable row level security`.execute(db);
      }
    },
  };
}
