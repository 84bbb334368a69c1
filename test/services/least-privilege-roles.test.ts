/**
 * Least privilege on PostgreSQL. The roles come from the deploy
 * kit's own script (deploy/postgres/roles.sql, run with psql); agentmesh
 * migrates as the migrator (DATABASE_MIGRATION_URL) and serves as the
 * application role, which is neither superuser nor BYPASSRLS. Row security
 * denies by default: a session of that role that forgot its tenant filter
 * and set no scope gets no row of any tenant-owned table; with tenant A set,
 * A's rows only; agentmesh's own pool, marked cross-tenant, still recovers
 * tasks, reconciles the ledger and chains the audit log across tenants.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Migration } from 'kysely';
import { createAuditLog } from '../../src/audit/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createDatabase, createRuntimeStores, type Database } from '../../src/storage/index.js';
import { migrationProvider } from '../../src/storage/migrations/index.js';
import { TENANT_CHILD_TABLES, TENANT_COLUMN_TABLES, TENANT_OWNED_TABLES, TENANT_POLICY } from '../../src/storage/migrations/0009-row-security-deny-by-default.js';
import { createCreditLedger } from '../../src/tenancy/index.js';
import { createDatabaseRoles } from '../helpers/database-roles.js';
import { adminQuery, postgresSkipReason } from '../helpers/services.js';
import { runIsolationTrial, startIsolationMesh, type IsolationMesh } from '../helpers/tenant-isolation.js';
import { until } from '../helpers/until.js';

const skip = await postgresSkipReason();
const logger = createLogger({ level: 'silent' });

/** The roles and schema roles.sql made for one describe block, and the URLs to log in with. */
interface LeastPrivilege {
  prefix: string;
  appUrl: string;
  migratorUrl: string;
  /** Runs `text` as the application role on a fresh session, setting nothing. */
  asApp<T>(work: (client: pg.Client) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** The roles of deploy/postgres/roles.sql under a fresh prefix, and a session of the application role. */
async function leastPrivilege(): Promise<LeastPrivilege> {
  const roles = createDatabaseRoles();
  return {
    prefix: roles.prefix,
    appUrl: roles.appUrl,
    migratorUrl: roles.migratorUrl,
    async asApp(work) {
      const client = new pg.Client({ connectionString: roles.appUrl });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
    drop: roles.drop,
  };
}

const TENANTS = ['tenant-a', 'tenant-b'] as const;
const childKey = new Map<string, { key: string; parent: string }>(TENANT_CHILD_TABLES.map(([table, key, parent]) => [table, { key, parent }]));

/**
 * One row of `table` for `tenant`, every NOT NULL column filled from the
 * live schema: a table added later is seeded without touching this test.
 * Text is `<table>.<column>.<tenant>`, so a child's key names its parent's
 * row of the same tenant; numbers are `n`, distinct per tenant.
 */
function rowOf(table: string, columns: Array<{ name: string; type: string }>, tenant: string, n: number): Record<string, string | number> {
  const row: Record<string, string | number> = {};
  const child = childKey.get(table);
  for (const { name, type } of columns) {
    if (name === 'tenant') row[name] = tenant;
    else if (child && name === child.key) row[name] = `${child.parent}.id.${tenant}`;
    else row[name] = type === 'text' ? `${table}.${name}.${tenant}` : n;
  }
  return row;
}

async function seed(client: pg.Client, schema: string): Promise<void> {
  await client.query(`select set_config('agentmesh.scope', 'cross-tenant', false)`);
  for (const table of TENANT_OWNED_TABLES) {
    const { rows: columns } = await client.query<{ name: string; type: string }>(
      `select column_name as name, data_type as type from information_schema.columns
       where table_schema = $1 and table_name = $2 and ((is_nullable = 'NO' and column_default is null) or column_name = 'tenant') order by ordinal_position`,
      [schema, table],
    );
    for (const [i, tenant] of TENANTS.entries()) {
      const row = rowOf(table, columns, tenant, i + 1);
      const names = Object.keys(row);
      await client.query(`insert into ${table} (${names.map((n) => `"${n}"`).join(', ')}) values (${names.map((_, j) => `$${j + 1}`).join(', ')})`, Object.values(row));
    }
  }
  // A system event of the audit trail: no tenant, so no tenant sees it.
  await client.query(`insert into audit_log (seq, time, event_type, actor_kind, outcome, prev_hash, hash) values (3, 0, 'system.start', 'system', 'ok', 'p', 'h')`);
  await client.query(`reset agentmesh.scope`);
}

/** The tenant each visible row of `table` belongs to (its own column, or its parent's). */
async function visibleTenants(client: pg.Client, table: string): Promise<Array<string | null>> {
  const child = TENANT_CHILD_TABLES.find(([t]) => t === table);
  // The child's tenant is read from its key: joining the parent would apply the parent's policy too and hide what the child's own policy let through.
  const text = child ? `select substring(${child[1]} from '[^.]*$') as tenant from ${table}` : `select tenant from ${table}`;
  const { rows } = await client.query<{ tenant: string | null }>(`${text} order by 1`);
  return rows.map((r) => r.tenant);
}

describe('least privilege on PostgreSQL: the roles of deploy/postgres/roles.sql and deny-by-default row security', { skip }, () => {
  let roles: LeastPrivilege;
  let app: Database;

  before(async () => {
    roles = await leastPrivilege();
    // Migrates as the migrator, serves as the application role: what DATABASE_MIGRATION_URL and DATABASE_URL do.
    app = await createDatabase({ url: roles.appUrl, migrationUrl: roles.migratorUrl, poolSize: 2 });
    await roles.asApp((client) => seed(client, roles.prefix));
  });
  after(async () => {
    await app?.close();
    await roles?.drop();
  });

  test('the application role is neither superuser nor BYPASSRLS, owns no table, and can change neither the schema nor row security', async () => {
    await roles.asApp(async (client) => {
      const { rows } = await client.query(`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user`);
      assert.deepEqual(rows, [{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }]);
      const owners = await client.query(`select distinct tableowner from pg_tables where schemaname = $1`, [roles.prefix]);
      assert.deepEqual(owners.rows, [{ tableowner: `${roles.prefix}_owner` }], 'the migrator created every table as the owner role');
      await assert.rejects(client.query('create table intruder (id text)'), /permission denied for schema/);
      await assert.rejects(client.query('alter table tasks disable row level security'), /must be owner/);
      await assert.rejects(client.query(`drop policy ${TENANT_POLICY} on tasks`), /must be owner/);
      // TRUNCATE would empty every tenant's rows past the policies.
      await assert.rejects(client.query('truncate tasks cascade'), /permission denied/);
    });
  });

  test('every table with a tenant column, and every table that hangs off one, has forced row security and the policy', async () => {
    await roles.asApp(async (client) => {
      // A partition (migration 0015's days of tasks) is checked through its parent, and reachable by no one else (below).
      const withTenant = await client.query<{ table_name: string }>(
        `select table_name from information_schema.columns where table_schema = $1 and column_name = 'tenant'
           and table_name not in (select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relispartition) order by 1`,
        [roles.prefix],
      );
      assert.deepEqual(
        withTenant.rows.map((r) => r.table_name),
        [...TENANT_COLUMN_TABLES].sort(),
        'a new table with a tenant column must be added to migration 0009 (or a later one)',
      );
      const { rows } = await client.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: string[] }>(
        `select c.relname, c.relrowsecurity, c.relforcerowsecurity, array(select polname::text from pg_policy p where p.polrelid = c.oid order by 1) as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = any($2) order by 1`,
        [roles.prefix, TENANT_OWNED_TABLES],
      );
      assert.equal(rows.length, TENANT_OWNED_TABLES.length);
      for (const row of rows) assert.deepEqual(row, { relname: row.relname, relrowsecurity: true, relforcerowsecurity: true, policies: [TENANT_POLICY] });
      // Row security applies through the parent only: the application role may not touch a partition directly.
      const { rows: parts } = await client.query<{ name: string }>(`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relispartition and c.relkind = 'r' order by 1`, [roles.prefix]);
      assert.ok(parts.some((p) => p.name === 'tasks_default') && parts.some((p) => /^task_events_\d{8}$/.test(p.name)), 'the day partitions exist');
      for (const { name } of parts) await assert.rejects(client.query(`select 1 from ${name} limit 1`), /permission denied/, name);
    });
  });

  test('a forgotten tenant filter returns nothing: a session that set no scope sees no row of any tenant-owned table, and writes none', async () => {
    await roles.asApp(async (client) => {
      for (const table of TENANT_OWNED_TABLES) {
        const { rows } = await client.query(`select * from ${table}`);
        assert.deepEqual(rows, [], `${table}: a session without a tenant sees nothing`);
      }
      // After a transaction that set the tenant locally, the setting reads '' (not NULL): still nothing.
      await client.query('begin');
      await client.query(`select set_config('agentmesh.tenant', 'tenant-a', true)`);
      await client.query('commit');
      await client.query(`select set_config('agentmesh.tenant', '', false)`);
      for (const table of TENANT_OWNED_TABLES) assert.deepEqual((await client.query(`select * from ${table}`)).rows, [], `${table}: an empty tenant is no tenant`);
      // A marker with another value is no marker.
      await client.query(`select set_config('agentmesh.scope', 'on', false)`);
      for (const table of TENANT_OWNED_TABLES) assert.deepEqual((await client.query(`select * from ${table}`)).rows, [], `${table}: only 'cross-tenant' opens every row`);
      await assert.rejects(client.query(`insert into credit_balances (tenant, available, reserved, low_balance_alerted, created_at, updated_at) values ('tenant-c', 1, 0, 0, 0, 0)`), /row-level security/);
      // Updates and deletes match no row.
      assert.equal((await client.query(`update tasks set state = 'TASK_STATE_FAILED'`)).rowCount, 0);
      assert.equal((await client.query('delete from audit_log')).rowCount, 0);
    });
  });

  test("with tenant A set, every tenant-owned table shows A's rows only, and refuses a row of B", async () => {
    await roles.asApp(async (client) => {
      await client.query(`select set_config('agentmesh.tenant', 'tenant-a', false)`);
      for (const table of TENANT_OWNED_TABLES) assert.deepEqual(await visibleTenants(client, table), ['tenant-a'], table);
      await assert.rejects(client.query(`insert into credit_balances (tenant, available, reserved, low_balance_alerted, created_at, updated_at) values ('tenant-b-2', 1, 0, 0, 0, 0)`), /row-level security/);
      await assert.rejects(client.query(`insert into task_events (task_id, seq, last_seq, kind, payload, created_at) values ('tasks.id.tenant-b', 9, 9, 'status', '{}', 0)`), /row-level security/);
      assert.equal((await client.query(`update tasks set tenant = 'tenant-b'`).catch((err: Error) => err)) instanceof Error, true, 'moving a row to another tenant is refused');
    });
  });

  test("scope 'tenant' with the empty tenant (the no-tenant mode) shows that tenant's rows only", async () => {
    await roles.asApp(async (client) => {
      await client.query(`select set_config('agentmesh.scope', 'tenant', false), set_config('agentmesh.tenant', '', false)`);
      for (const table of TENANT_OWNED_TABLES) assert.deepEqual(await visibleTenants(client, table), [], table);
    });
  });

  test("the cross-tenant marker shows every tenant's rows; agentmesh's pool sets it and names its sessions", async () => {
    await roles.asApp(async (client) => {
      await client.query(`select set_config('agentmesh.scope', 'cross-tenant', false)`);
      for (const table of TENANT_OWNED_TABLES) assert.deepEqual(await visibleTenants(client, table), table === 'audit_log' ? [...TENANTS, null] : [...TENANTS], table);
    });
    const rows = await app.db.selectFrom('tasks').select('tenant').orderBy('tenant').execute();
    assert.deepEqual(rows.map((r) => r.tenant), [...TENANTS]);
    const session = await app.db.selectNoFrom((eb) => [eb.fn<string>('current_setting', [eb.val('agentmesh.scope')]).as('scope'), eb.fn<string>('current_setting', [eb.val('application_name')]).as('name')]).executeTakeFirstOrThrow();
    assert.deepEqual(session, { scope: 'cross-tenant', name: 'agentmesh:cross-tenant' });
  });
});

describe('cross-tenant work on the application role: recovery, reconciliation, the audit chain', { skip }, () => {
  let roles: LeastPrivilege;
  let app: Database;
  let scoped: Database;

  before(async () => {
    roles = await leastPrivilege();
    app = await createDatabase({ url: roles.appUrl, migrationUrl: roles.migratorUrl, poolSize: 3 });
    // A pool without the marker: what a process that does no cross-tenant work would open.
    scoped = await createDatabase({ url: roles.appUrl, crossTenant: false, migrate: false, poolSize: 1 });
  });
  after(async () => {
    await scoped?.close();
    await app?.close();
    await roles?.drop();
  });

  const task = (id: string, tenant: string) => ({ id, agent: 'tester', tenant, contextId: `ctx-${id}`, state: 'TASK_STATE_WORKING', skill: 'echo', messageId: `m-${id}`, snapshot: JSON.stringify({ id }), owner: 'replica-gone', idempotent: false, terminal: false, now: Date.now(), events: [] });

  test("task recovery finds the orphans of every tenant; a tenant's own read stays its own", async () => {
    const stores = createRuntimeStores(app);
    for (const [id, tenant] of [['orphan-a', 'tenant-a'], ['orphan-b', 'tenant-b'], ['orphan-none', '']] as const) await stores.tasks.create(task(id, tenant) as never);
    const orphans = await stores.tasks.orphans([], 10);
    assert.deepEqual(orphans.map((t) => t.id).sort(), ['orphan-a', 'orphan-b', 'orphan-none']);
    assert.equal(await stores.tasks.get('orphan-b', 'tenant-a'), undefined, 'tenant A cannot read B through the cross-tenant pool');
    assert.equal((await stores.tasks.get('orphan-none', ''))?.id, 'orphan-none', 'the no-tenant mode reads its own tasks');
    assert.equal(await stores.tasks.get('orphan-a', ''), undefined, "the no-tenant mode does not read tenant A's");

    const unmarked = createRuntimeStores(scoped);
    assert.equal((await unmarked.tasks.get('orphan-a', 'tenant-a'))?.id, 'orphan-a', 'tenant-scoped reads work without the marker');
    assert.equal((await unmarked.tasks.list({ agent: 'tester', tenant: 'tenant-b', pageSize: 10 })).tasks.map((t) => t.id).join(), 'orphan-b');
    assert.equal(await unmarked.tasks.get('orphan-a'), undefined, 'a read that names no tenant sees nothing without the marker');
    assert.deepEqual(await unmarked.tasks.orphans([], 10), [], 'nor does recovery');
  });

  test('the credit ledger charges two tenants and reconciles across them', async () => {
    const ledger = createCreditLedger({ database: app, logger, metrics: createMetrics({ defaultMetrics: false }), lowBalanceMilliCredits: 1_000 });
    for (const tenant of TENANTS) {
      await ledger.topUp(tenant, 10_000, `funds-${tenant}`);
      await ledger.reserve({ tenant, key: `agent:${tenant}`, milliCredits: 3_000, agent: 'agent', skill: 's' });
      await ledger.settle(`agent:${tenant}`, 2_000);
    }
    assert.equal((await ledger.balance('tenant-b')).availableMilliCredits, 8_000);
    const report = await ledger.reconcile();
    assert.deepEqual({ ok: report.ok, tenants: report.tenants, discrepancies: report.discrepancies }, { ok: true, tenants: 2, discrepancies: [] });
    const unmarked = createCreditLedger({ database: scoped, logger, metrics: createMetrics({ defaultMetrics: false }), lowBalanceMilliCredits: 1_000 });
    assert.equal((await unmarked.reconcile()).tenants, 0, 'without the marker the journal is invisible');
  });

  // Deletes the records of the newest migration that changes PostgreSQL and of those after it (which may change
  // SQLite only), so they are pending again; each such migration alters or creates a table, which the application role may not.
  test('the application role alone starts on an up-to-date schema, and a pending migration fails naming DATABASE_MIGRATION_URL', async () => {
    const migrations = Object.entries(await migrationProvider('postgres').getMigrations()).sort(([a], [b]) => a.localeCompare(b));
    let first = migrations.length - 1;
    while (first > 0 && !(await changesPostgres(migrations[first]![1]))) first -= 1;
    const pending = migrations.slice(first).map(([name]) => name);
    const alone = await createDatabase({ url: roles.appUrl, poolSize: 1 });
    await alone.close();
    await adminQuery(`delete from ${roles.prefix}.kysely_migration where name in (${pending.map((name) => `'${name}'`).join(', ')})`);
    try {
      await assert.rejects(createDatabase({ url: roles.appUrl, poolSize: 1 }), (err: Error) => {
        // Altering a table needs its owner, creating one the schema's CREATE right: the application role has neither.
        assert.match(err.message, new RegExp(`^Database migration ${pending[0]} failed: (must be owner of table|permission denied for schema) .*set DATABASE_MIGRATION_URL to the migrator role`));
        return true;
      });
    } finally {
      const at = new Date().toISOString();
      await adminQuery(`insert into ${roles.prefix}.kysely_migration (name, timestamp) values ${pending.map((name) => `('${name}', '${at}')`).join(', ')}`);
    }
  });

  test('the audit chain writes rows of every tenant and verifies them', async () => {
    const audit = createAuditLog({ database: app, logger, metrics: createMetrics({ defaultMetrics: false }), maxBatch: 5, flushIntervalMs: 2 });
    for (let i = 0; i < 20; i++) audit.append({ eventType: 'a2a.call', actor: { kind: 'client', id: `c${i}` }, tenant: i % 3 === 0 ? undefined : TENANTS[i % 2]!, method: 'SendMessage', outcome: 'ok' } as never);
    await audit.close();
    const verify = createAuditLog({ database: app, logger, metrics: createMetrics({ defaultMetrics: false }) });
    try {
      const result = await verify.verify();
      assert.deepEqual({ ok: result.ok, checked: result.checked, problems: result.problems }, { ok: true, checked: 20, problems: [] });
    } finally {
      await verify.close();
    }
  });
});

describe('the gateway and the runtime served as the application role', { skip }, () => {
  let roles: LeastPrivilege;
  let mesh: IsolationMesh;

  before(async () => {
    roles = await leastPrivilege();
    // The roles' own settings, as DATABASE_URL and DATABASE_MIGRATION_URL give them: one schema for both.
    const database = { databaseUrl: roles.appUrl, databaseMigrationUrl: roles.migratorUrl };
    mesh = await startIsolationMesh({ tenants: 3, runtime: database, gateway: database });
  });
  after(async () => {
    await mesh?.close();
    await roles?.drop();
  });

  test("clients, tokens, calls, audit and every task operation work under row security, and another tenant's task stays not-found", async (t) => {
    const seed = process.env.ISOLATION_SEED ? Number(process.env.ISOLATION_SEED) : Math.floor(Math.random() * 2 ** 31);
    t.diagnostic(`seed ${seed} (replay with ISOLATION_SEED=${seed})`);
    const report = await runIsolationTrial(mesh, { seed, foreignAttempts: 120 });
    assert.deepEqual(report.leaks, [], `leaks (seed ${seed})`);
    assert.deepEqual(report.wrongAnswers, [], `unexpected answers (seed ${seed})`);
    assert.ok(report.ownAttempts > 0);
    // The tasks, the gateway's clients and its audit rows are rows the application role wrote; a session of it that names no tenant sees none of them.
    await roles.asApp(async (client) => {
      const count = async (table: string) => Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);
      for (const table of ['tasks', 'identity_clients', 'audit_log']) assert.equal(await count(table), 0, table);
      await client.query(`select set_config('agentmesh.scope', 'cross-tenant', false)`);
      assert.equal(await count('tasks'), mesh.tasks.length);
      assert.equal(await count('identity_clients'), mesh.tenants.length);
      // The audit log writes in batches: its rows arrive a moment after the calls.
      await until('the gateway audited the calls', async () => (await count('audit_log')) > 0);
    });
  });
});

/** Whether `migration` runs any statement on PostgreSQL (compiled against a driver that runs nothing). */
async function changesPostgres(migration: Migration): Promise<boolean> {
  let statements = 0;
  const db = new Kysely<unknown>({
    log: () => {
      statements += 1;
    },
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  await migration.up(db);
  return statements > 0;
}
