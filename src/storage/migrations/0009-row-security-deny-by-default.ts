import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The tables this migration protected when it ran, frozen: a fresh database
 * migrates as every other did. A later tenant-owned table gets its policy in
 * its own migration ({@link protectTenantRows}) and joins the lists below.
 */
const PROTECTED_BY_0009 = [
  'tasks',
  'push_configs',
  'workflow_runs',
  'credit_balances',
  'credit_reservations',
  'credit_topups',
  'credit_entries',
  'identity_clients',
  'identity_api_keys',
  'audit_log',
  'gateway_open_reservations',
] as const;

/** Tables whose rows name their tenant in a `tenant` column: 0009's, then later migrations' (0011: router_conversations; 0013: router_learned_routes; 0014: gateway_bridged_runs; 0018: identity_refresh_tokens; 0020: gateway_approvals). */
export const TENANT_COLUMN_TABLES = [...PROTECTED_BY_0009, 'router_conversations', 'router_learned_routes', 'gateway_bridged_runs', 'identity_refresh_tokens', 'gateway_approvals'] as const;

/** Tables whose rows belong to a parent row's tenant: (table, its key into the parent, parent, the parent's key). */
export const TENANT_CHILD_TABLES = [
  ['task_events', 'task_id', 'tasks', 'id'],
  ['push_outbox', 'task_id', 'tasks', 'id'],
  ['workflow_steps', 'run_id', 'workflow_runs', 'id'],
  ['credit_postings', 'entry_id', 'credit_entries', 'id'],
] as const;

/** Every tenant-owned table: what the deny-by-default policy covers. */
export const TENANT_OWNED_TABLES: readonly string[] = [...TENANT_COLUMN_TABLES, ...TENANT_CHILD_TABLES.map(([table]) => table)];

/** The policy's name on every tenant-owned table. */
export const TENANT_POLICY = 'agentmesh_tenant_rows';

// The session's scope (ADR 0014):
// - `agentmesh.scope = 'cross-tenant'`: every row (recovery, retention, push
//   delivery, reconciliation, the audit chain, key lookups);
// - `agentmesh.scope = 'tenant'`: the rows of `agentmesh.tenant`, '' included
//   (the no-tenant mode of development runs);
// - neither: the rows of `agentmesh.tenant` when it is a non-empty string, else
//   none. `current_setting(…, true)` is NULL in a session that never set the
//   name and '' after a transaction that set it locally ended: both mean unset,
//   hence `nullif`, and NULL compares to nothing.
const SCOPE = sql`coalesce(current_setting('agentmesh.scope', true), '')`;
const ownRows = sql`CASE ${SCOPE}
  WHEN 'cross-tenant' THEN true
  WHEN 'tenant' THEN tenant = coalesce(current_setting('agentmesh.tenant', true), '')
  ELSE tenant = nullif(current_setting('agentmesh.tenant', true), '')
END`;
// A child row is visible when its parent is: the parent's own policy decides.
const parentRows = (table: string, key: string, parent: string, parentKey: string) => sql`CASE ${SCOPE}
  WHEN 'cross-tenant' THEN true
  ELSE EXISTS (SELECT 1 FROM ${sql.table(parent)} p WHERE p.${sql.ref(parentKey)} = ${sql.table(table)}.${sql.ref(key)})
END`;

/**
 * Row security on a table of a later migration whose rows carry a `tenant`
 * column: the same forced deny-by-default policy as 0009's tables.
 * PostgreSQL only.
 */
export async function protectTenantRows(db: Kysely<unknown>, table: string): Promise<void> {
  await protect(db, table, ownRows);
}

/**
 * Row security on a table of a later migration whose rows belong to a parent
 * row's tenant (0015 re-creates `task_events` and `push_outbox`'s policies on
 * the partitioned `tasks`). PostgreSQL only.
 */
export async function protectChildRows(db: Kysely<unknown>, table: string, key: string, parent: string, parentKey: string): Promise<void> {
  await protect(db, table, parentRows(table, key, parent, parentKey));
}

async function protect(db: Kysely<unknown>, table: string, rule: ReturnType<typeof sql>): Promise<void> {
  await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
  // FORCE: the owner too, when agentmesh runs as the role that owns the tables.
  await sql`alter table ${sql.table(table)} force row level security`.execute(db);
  await sql`create policy ${sql.id(TENANT_POLICY)} on ${sql.table(table)} using (${rule}) with check (${rule})`.execute(db);
}

/**
 * PostgreSQL row-level security that denies by default (ADR 0014): replaces 0006's policy on `tasks` and `push_configs`, which
 * showed every row to a session without a tenant, and covers every
 * tenant-owned table. A session sees rows only when it says whose: one
 * tenant (`agentmesh.tenant`), or all of them under the explicit
 * `agentmesh.scope = 'cross-tenant'` marker, which agentmesh's own pool sets
 * (see `createDatabase`'s `crossTenant`). Superusers and BYPASSRLS roles skip
 * every policy; deploy/postgres/roles.sql creates a role that does not.
 * SQLite has no row security: nothing to do there.
 */
export function rowSecurityDenyByDefaultMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const table of ['tasks', 'push_configs']) await sql`drop policy if exists tenant_isolation on ${sql.table(table)}`.execute(db);
      for (const table of PROTECTED_BY_0009) await protect(db, table, ownRows);
      for (const [table, key, parent, parentKey] of TENANT_CHILD_TABLES) await protect(db, table, parentRows(table, key, parent, parentKey));
    },
    async down(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      for (const table of [...PROTECTED_BY_0009, ...TENANT_CHILD_TABLES.map(([t]) => t)]) {
        await sql`drop policy if exists ${sql.id(TENANT_POLICY)} on ${sql.table(table)}`.execute(db);
        if (table !== 'tasks' && table !== 'push_configs') await sql`alter table ${sql.table(table)} disable row level security`.execute(db);
      }
      // Back to 0006's policy.
      for (const table of ['tasks', 'push_configs']) {
        await sql`create policy tenant_isolation on ${sql.table(table)}
          using (coalesce(current_setting('agentmesh.tenant', true), '') = '' or tenant = current_setting('agentmesh.tenant', true))
          with check (coalesce(current_setting('agentmesh.tenant', true), '') = '' or tenant = current_setting('agentmesh.tenant', true))`.execute(db);
      }
    },
  };
}
