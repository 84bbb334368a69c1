/**
 * PostgreSQL row-level security (migrations 0006 and 0009), the second line
 * behind the task store's tenant filter: connected as an ordinary role
 * (superusers bypass row security), a session set to tenant A sees none of
 * tenant B's rows even through a query that forgets the tenant, and a session
 * that sets nothing sees nothing. The roles of the deploy kit and every other
 * tenant-owned table: least-privilege-roles.test.ts.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createDatabase, createRuntimeStores, type Database } from '../../src/storage/index.js';
import { openPostgresDatabase, type PostgresDatabase } from '../helpers/database-backends.js';
import { adminQuery, postgresSkipReason, randomSuffix, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();

function task(id: string, tenant: string) {
  return { id, agent: 'tester', tenant, contextId: `ctx-${id}`, state: 'TASK_STATE_WORKING', skill: 'echo', messageId: `m-${id}`, snapshot: JSON.stringify({ id }), owner: null, idempotent: false, terminal: false, now: Date.now(), events: [] };
}

describe('row-level security on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let role: string;
  let opened: PostgresDatabase;
  let app: Database;

  before(async () => {
    opened = await openPostgresDatabase({ poolSize: 2 });
    ({ schema } = opened);
    const stores = createRuntimeStores(opened.database);
    await stores.tasks.create(task('task-a', 'tenant-a') as any);
    await stores.tasks.create(task('task-b', 'tenant-b') as any);
    role = `am_rls_${randomSuffix()}`;
    await adminQuery(`CREATE ROLE ${role} LOGIN`);
    await adminQuery(`GRANT USAGE ON SCHEMA ${schema.name} TO ${role}`);
    await adminQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema.name} TO ${role}`);
    const url = new URL(schema.url);
    url.username = role;
    app = await createDatabase({ url: url.toString(), poolSize: 2, migrate: false });
  });
  after(async () => {
    await app?.close();
    await opened?.close();
    if (role) await adminQuery(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  });

  test('a session set to tenant A sees only its rows, even through a query without a tenant filter', async () => {
    const client = new pg.Client({ connectionString: (() => { const u = new URL(schema.url); u.username = role; return u.toString(); })() });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('agentmesh.tenant', 'tenant-a', true)`);
      const { rows } = await client.query('select id from tasks order by id');
      assert.deepEqual(rows.map((r) => r.id), ['task-a']);
      await assert.rejects(client.query(`insert into tasks (id, agent, tenant, context_id, state, version, last_seq, snapshot, idempotent, terminal, created_at, updated_at) values ('x', 'tester', 'tenant-b', 'c', 'TASK_STATE_WORKING', 1, 0, '{}', 0, 0, 0, 0)`), /row-level security/);
      await client.query('rollback');
      // Unset: nothing (deny by default, migration 0009).
      const none = await client.query('select id from tasks order by id');
      assert.deepEqual(none.rows, []);
      // Work that spans tenants (recovery, retention, push delivery) says so: every row.
      await client.query(`select set_config('agentmesh.scope', 'cross-tenant', false)`);
      const all = await client.query('select id from tasks order by id');
      assert.deepEqual(all.rows.map((r) => r.id), ['task-a', 'task-b']);
    } finally {
      await client.end();
    }
  });

  test("the task store's tenant-scoped read cannot return another tenant's task", async () => {
    const stores = createRuntimeStores(app);
    assert.equal((await stores.tasks.get('task-b', 'tenant-a')), undefined);
    assert.equal((await stores.tasks.get('task-a', 'tenant-a'))?.id, 'task-a');
    assert.equal((await stores.tasks.get('task-b'))?.id, 'task-b', "system reads (no tenant) see every row: agentmesh's pool is marked cross-tenant");
    const page = await stores.tasks.list({ agent: 'tester', tenant: 'tenant-a', pageSize: 10 });
    assert.deepEqual(page.tasks.map((t) => t.id), ['task-a']);
  });

  test("the batched retried-send lookup finds the tenant's own task under row security, and nothing of another tenant", async () => {
    // A pool with no cross-tenant marker sees only what a transaction's own marker names: the lookup function's (ADR 0032).
    const url = new URL(schema.url);
    url.username = role;
    const scoped = await createDatabase({ url: url.toString(), poolSize: 2, migrate: false, crossTenant: false });
    try {
      const stores = createRuntimeStores(scoped);
      const now = Date.now();
      const [own, other, unmarked] = await Promise.all([
        stores.tasks.findByMessage('tester', 'tenant-a', 'm-task-a', now),
        stores.tasks.findByMessage('tester', 'tenant-a', 'm-task-b', now),
        stores.tasks.findByMessage('tester', 'tenant-b', 'm-task-b', now),
      ]);
      assert.equal(own?.id, 'task-a');
      assert.equal(other, undefined, "tenant-b's messageId asked for as tenant-a");
      assert.equal(unmarked?.id, 'task-b');
      // The marker lived only in the lookup's transaction: the pooled connection sees nothing afterwards.
      const client = await scoped.postgresPool!.connect();
      try {
        const { rows } = await client.query('select id from tasks', []);
        assert.deepEqual(rows, []);
      } finally {
        client.release();
      }
    } finally {
      await scoped.close();
    }
  });
});
