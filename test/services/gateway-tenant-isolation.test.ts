/**
 * The tenant-isolation trial, PostgreSQL half: "tenant A cannot read, cancel,
 * subscribe to or list tenant B's tasks in at least 200 randomized attempts
 * with 0 leaks, on SQLite and on PostgreSQL". The same walk as
 * test/integration/gateway/tenant-isolation.test.ts, with the runtime's task
 * store on a PostgreSQL test schema. Only the runtime's task store holds
 * tasks, so only it moves to PostgreSQL: the registry and the gateway stay
 * on SQLite temp dirs.
 * Replay a walk with ISOLATION_SEED=<seed>.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestSchema, postgresSkipReason, type TestSchema, withPgClient } from '../helpers/services.js';
import { assertTenantsIsolated, startIsolationMesh, type IsolationMesh } from '../helpers/tenant-isolation.js';

const skip = await postgresSkipReason();
const FOREIGN_ATTEMPTS = 240;

describe('tenant isolation through the gateway, PostgreSQL task store', { skip }, () => {
  let schema: TestSchema;
  let mesh: IsolationMesh;
  before(async () => {
    schema = await createTestSchema();
    mesh = await startIsolationMesh({ tenants: 4, runtime: { databaseUrl: schema.url } });
  });
  after(async () => {
    await mesh?.close();
    await schema?.drop();
  });

  test(`another tenant's task looks not-found to every operation, binding and version in ${FOREIGN_ATTEMPTS} randomized attempts`, async (t) => {
    await assertTenantsIsolated(t, mesh, FOREIGN_ATTEMPTS);
    // The walk really ran on PostgreSQL: every task it made is a row of the test schema.
    await withPgClient(schema.url, async (client) => {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM tasks');
      assert.equal(Number(rows[0]!.n), mesh.tasks.length);
    });
  });
});
