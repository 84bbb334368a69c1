/**
 * Sixteen writers registering at once on the embedded SQLite store: every
 * registration commits as soon as the writes before it did. None may wait on
 * a timer for work already done (a lost DNS answer, retried by the resolver
 * after 5 s, once cost each one 5 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { assertSixteenWritersNeverWait, NO_PROBE_ROUND_MS } from '../../helpers/concurrent-registrations.js';
import { countLookups } from '../../helpers/counted-lookups.js';

// Minutes of work on a loaded CI machine (150 s at load 25 on two cores): past the runner's 5-minute default at load 40.
test('16 concurrent writers: 400 registrations, none near a 5 s wait, all committed and searchable', { timeout: 900_000 }, async () => {
  const lookups = countLookups();
  const started = performance.now();
  // No probe round during the run: its timer would count among those the run must not wait on.
  const { url, close } = await startRegistry({ probeIntervalMs: NO_PROBE_ROUND_MS });
  try {
    await assertSixteenWritersNeverWait(url, lookups, started);
    const listed = await call(url, 'GET', '/v1/agents?pageSize=1');
    assert.equal(listed.status, 200);
    for (const name of ['writer-0', 'writer-199', 'writer-399']) {
      const got = await call(url, 'GET', `/v1/agents/${name}`);
      assert.equal(got.status, 200, `${name} committed`);
    }
  } finally {
    await close();
    lookups.restore();
  }
});
