/**
 * Sixteen writers registering at once on PostgreSQL: every registration
 * commits as soon as the writes before it did, none waits on a timer for
 * work already done (a lost DNS answer once cost each one 5 s).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, startRegistry } from '../helpers/registry-fixture.js';
import { assertSixteenWritersNeverWait, NO_PROBE_ROUND_MS } from '../helpers/concurrent-registrations.js';
import { countLookups } from '../helpers/counted-lookups.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

describe('16 concurrent registrations on PostgreSQL', { skip: await postgresSkipReason() }, () => {
  let schema: TestSchema;
  before(async () => {
    schema = await createTestSchema();
  });
  after(async () => {
    await schema.drop();
  });

  // Minutes of work on a loaded CI machine (223 s at load 25 on two cores): past the runner's 5-minute default at load 40.
  test('400 registrations, none near a 5 s wait, all committed', { timeout: 900_000 }, async () => {
    const lookups = countLookups();
    const started = performance.now();
    // No probe round during the run: its timer would count among those the run must not wait on.
    const { url, close } = await startRegistry({ databaseUrl: schema.url, probeIntervalMs: NO_PROBE_ROUND_MS });
    try {
      await assertSixteenWritersNeverWait(url, lookups, started);
      for (const name of ['writer-0', 'writer-199', 'writer-399']) {
        assert.equal((await call(url, 'GET', `/v1/agents/${name}`)).status, 200, `${name} committed`);
      }
    } finally {
      await close();
      lookups.restore();
    }
  });
});
