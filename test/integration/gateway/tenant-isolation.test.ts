/**
 * The tenant-isolation trial: "tenant A cannot read, cancel, subscribe to or list
 * tenant B's tasks in at least 200 randomized attempts with 0 leaks" — here
 * with the runtime's task store on SQLite (test/services/gateway-tenant-isolation.test.ts
 * runs the same walk on PostgreSQL). Replay a walk with ISOLATION_SEED=<seed>.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runIsolationTrial, startIsolationMesh, type IsolationMesh } from '../../helpers/tenant-isolation.js';

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
    const seed = process.env.ISOLATION_SEED ? Number(process.env.ISOLATION_SEED) : Math.floor(Math.random() * 2 ** 31);
    t.diagnostic(`seed ${seed} (replay with ISOLATION_SEED=${seed})`);
    const report = await runIsolationTrial(mesh, { seed, foreignAttempts: FOREIGN_ATTEMPTS });
    t.diagnostic(`${report.foreignAttempts} foreign attempts, ${report.ownAttempts} own, ${report.leaks.length} leaks`);
    for (const line of report.summary) t.diagnostic(line);
    assert.deepEqual(report.leaks, [], `leaks (seed ${seed})`);
    assert.deepEqual(report.wrongAnswers, [], `unexpected answers (seed ${seed})`);
    assert.ok(report.foreignAttempts >= 200);
    assert.ok(report.ownAttempts > 0);
  });
});
