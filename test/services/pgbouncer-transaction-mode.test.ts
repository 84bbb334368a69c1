/**
 * agentmesh behind PgBouncer in transaction mode (ADR 0024): the test starts
 * its own PgBouncer on a free port in front of PostgreSQL, with the roles of
 * deploy/postgres/roles.sql and a pool of 3 server connections that every
 * client of the application role shares. No marker may outlive its
 * transaction there: the next transaction on that server connection may be
 * another tenant's, or a pool's that does no cross-tenant work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDatabase, createRuntimeStores, type Database } from '../../src/storage/index.js';
import { createDatabaseRoles, type DatabaseRoles } from '../helpers/database-roles.js';
import { pgbouncerSkipReason, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { postgresSkipReason } from '../helpers/services.js';
import { runIsolationTrial, startIsolationMesh, type IsolationMesh } from '../helpers/tenant-isolation.js';

const skip = (await postgresSkipReason()) || pgbouncerSkipReason();
const SERVER_CONNECTIONS = 3;
const TENANTS = Array.from({ length: 6 }, (_, i) => `tenant-${i}`);
const AGENT = 'bouncer-probe';

describe('PgBouncer in transaction mode', { skip }, () => {
  let roles: DatabaseRoles;
  let bouncer: PgBouncer;
  let bouncedUrl: string;
  /** agentmesh's own pool (cross-tenant work), through the bouncer. */
  let app: Database;
  /** A pool of the same role that does no cross-tenant work, sharing the same server connections. */
  let scoped: Database;

  before(async () => {
    roles = createDatabaseRoles();
    bouncer = await startPgBouncer({ users: [roles.app], poolMode: 'transaction', poolSize: SERVER_CONNECTIONS });
    bouncedUrl = bouncer.urlFor(roles.app.name, roles.app.password);
    // Migrations on their own direct connection (DATABASE_MIGRATION_URL), rows through the bouncer.
    // A connect deadline past the default: the many-callers test queues two dozen connections on the
    // bouncer's three, and what it pins is isolation, not how fast a loaded host lets them log in.
    app = await createDatabase({ url: bouncedUrl, migrationUrl: roles.migratorUrl, poolMode: 'transaction', poolSize: 12, connectTimeoutMs: 30_000 });
    scoped = await createDatabase({ url: bouncedUrl, poolMode: 'transaction', crossTenant: false, migrate: false, poolSize: 12, connectTimeoutMs: 30_000 });
  });
  after(async () => {
    await scoped?.close();
    await app?.close();
    await bouncer?.close();
    await roles?.drop();
  });

  test('statement_timeout comes from the role; a session-mode pool, which sends it at connect, is refused by the bouncer', async () => {
    const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(app.db);
    assert.equal(rows[0]?.statement_timeout, '30s', 'roles.sql sets it on the application role');
    await assert.rejects(
      createDatabase({ url: bouncedUrl, migrate: false, poolSize: 1 }).then(async (d) => {
        try {
          await d.ping();
        } finally {
          await d.close();
        }
      }),
      /unsupported startup parameter/,
    );
  });

  test('many concurrent callers of different tenants on 3 shared server connections: each sees its own tasks, and no marker leaks', async () => {
    const stores = createRuntimeStores(app);
    const now = Date.now();
    const owned = new Map<string, string[]>(TENANTS.map((t) => [t, []]));
    await Promise.all(
      TENANTS.flatMap((tenant) =>
        Array.from({ length: 5 }, async () => {
          const id = randomUUID();
          owned.get(tenant)!.push(id);
          await stores.tasks.create({ id, agent: AGENT, tenant, contextId: randomUUID(), state: 'TASK_STATE_SUBMITTED', skill: null, messageId: null, snapshot: '{}', owner: null, idempotent: false, terminal: false, events: [], now });
        }),
      ),
    );
    const backendsOf = { app: new Set<number>(), scoped: new Set<number>() };
    const pid = async (database: Database, into: Set<number>) => into.add((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!.pid);
    const calls: Array<Promise<void>> = [];
    for (let round = 0; round < 20; round++) {
      for (const tenant of TENANTS) {
        // A tenant's own reads through agentmesh's store (its transaction narrows the scope to the tenant).
        calls.push(
          (async () => {
            const page = await stores.tasks.list({ agent: AGENT, tenant, pageSize: 100 });
            assert.deepEqual(page.tasks.map((t) => t.id).sort(), [...owned.get(tenant)!].sort(), `${tenant} lists exactly its tasks`);
            const foreign = owned.get(TENANTS[(TENANTS.indexOf(tenant) + 1) % TENANTS.length]!)![0]!;
            assert.equal(await stores.tasks.get(foreign, tenant), undefined, `${tenant} cannot read another tenant's task`);
          })(),
        );
        // The same tenant on the marker-less pool: a transaction that names it sees its rows only.
        calls.push(
          scoped.db.transaction().execute(async (trx) => {
            await sql`select set_config('agentmesh.tenant', ${tenant}, true)`.execute(trx);
            const rows = await trx.selectFrom('tasks').select('tenant').execute();
            assert.deepEqual([...new Set(rows.map((r) => r.tenant))], [tenant], `a transaction of ${tenant} sees its rows only`);
          }),
        );
      }
      // Cross-tenant work on agentmesh's pool, while a pool that never marked itself reads without a tenant: it must see nothing.
      calls.push(
        (async () => {
          const all = await app.db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          assert.equal(Number(all.n), TENANTS.length * 5, 'the cross-tenant pool sees every tenant');
          await pid(app, backendsOf.app);
        })(),
        (async () => {
          const none = await scoped.db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          assert.equal(Number(none.n), 0, 'no cross-tenant or tenant marker reached a statement that set none');
          const marker = await sql<{ scope: string | null; tenant: string | null }>`select current_setting('agentmesh.scope', true) as scope, current_setting('agentmesh.tenant', true) as tenant`.execute(scoped.db);
          assert.ok(!marker.rows[0]?.scope && !marker.rows[0]?.tenant, `an unmarked statement finds no marker: ${JSON.stringify(marker.rows[0])}`);
          await pid(scoped, backendsOf.scoped);
        })(),
      );
    }
    await Promise.all(calls);
    // The point of the trial: both pools ran on the same few server connections.
    const shared = [...backendsOf.app].filter((p) => backendsOf.scoped.has(p));
    assert.ok(backendsOf.app.size + backendsOf.scoped.size > 0 && [...backendsOf.app, ...backendsOf.scoped].every((p) => p > 0));
    assert.ok(new Set([...backendsOf.app, ...backendsOf.scoped]).size <= SERVER_CONNECTIONS, 'every statement ran on one of the bouncer\'s 3 server connections');
    assert.ok(shared.length > 0, `the two pools shared server connections: ${JSON.stringify({ app: [...backendsOf.app], scoped: [...backendsOf.scoped] })}`);
  });

  describe('a registry, a gateway and a runtime through the bouncer', () => {
    let mesh: IsolationMesh;
    before(async () => {
      const database = { databaseUrl: bouncedUrl, databaseMigrationUrl: roles.migratorUrl, databasePoolMode: 'transaction' as const };
      mesh = await startIsolationMesh({ tenants: 3, runtime: database, gateway: database, registry: database });
    });
    after(async () => {
      await mesh?.close();
    });

    test("tasks, push configs, credits and audit work, and another tenant's task stays not-found", async () => {
      const report = await runIsolationTrial(mesh, { seed: 24, foreignAttempts: 120 });
      assert.deepEqual(report.leaks, [], 'no foreign call saw or changed another tenant\'s task');
      assert.deepEqual(report.wrongAnswers, [], 'every call answered as it should');
      assert.ok(report.foreignAttempts >= 120 && report.ownAttempts > 0, report.summary.join('; '));
    });
  });
});
