/**
 * Sixteen writers registering at once on PostgreSQL: every registration
 * commits as soon as the writes before it did, none waits on a timer for
 * work already done (a lost DNS answer once cost each one 5 s).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, startRegistry } from '../helpers/registry-fixture.js';
import { registerConcurrently } from '../helpers/concurrent-registrations.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

describe('16 concurrent registrations on PostgreSQL', { skip: await postgresSkipReason() }, () => {
  let schema: TestSchema;
  before(async () => {
    schema = await createTestSchema();
  });
  after(async () => {
    await schema.drop();
  });

  test('400 registrations, none near a 5 s wait, all committed', async () => {
    const { url, close } = await startRegistry({ databaseUrl: schema.url });
    try {
      await registerConcurrently(url, { writers: 4, total: 20, prefix: 'warm' });
      const run = await registerConcurrently(url, { writers: 16, total: 400 });
      assert.deepEqual(run.failures, []);
      assert.equal(run.times.length, 400);
      // Generous for a loaded CI host, still far below the 5 s of a lost wake-up.
      const p99 = run.at(0.99);
      assert.ok(p99 < 500, `p99 of a registration ${p99.toFixed(1)} ms (slowest ${run.times.at(-1)!.toFixed(1)} ms)`);
      assert.ok(run.times.at(-1)! < 2000, `slowest registration ${run.times.at(-1)!.toFixed(1)} ms`);
      for (const name of ['writer-0', 'writer-199', 'writer-399']) {
        assert.equal((await call(url, 'GET', `/v1/agents/${name}`)).status, 200, `${name} committed`);
      }
    } finally {
      await close();
    }
  });
});
