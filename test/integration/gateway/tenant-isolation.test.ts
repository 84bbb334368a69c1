/**
 * The tenant-isolation trial: "tenant A cannot read, cancel, subscribe to or list
 * tenant B's tasks in at least 200 randomized attempts with 0 leaks" — here
 * with the runtime's task store on SQLite (test/services/gateway-tenant-isolation.test.ts
 * runs the same walk on PostgreSQL). Replay a walk with ISOLATION_SEED=<seed>.
 */
import { test, describe, before, after } from 'node:test';
import { assertTenantsIsolated, startIsolationMesh, type IsolationMesh } from '../../helpers/tenant-isolation.js';

const FOREIGN_ATTEMPTS = 240;

describe('tenant isolation through the gateway, SQLite task store', () => {
  let mesh: IsolationMesh;
  before(async () => {
    mesh = await startIsolationMesh({ tenants: 4 });
  });
  after(async () => {
    await mesh?.close();
  });

  test(`another tenant's task looks not-found to every operation, binding and version in ${FOREIGN_ATTEMPTS} randomized attempts`, async (t) => {
    await assertTenantsIsolated(t, mesh, FOREIGN_ATTEMPTS);
  });
});
