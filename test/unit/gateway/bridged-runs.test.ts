import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgedRuns } from '../../../src/gateway/bridged-runs.js';
import { createDatabase } from '../../../src/storage/database.js';

test('a bridged run belongs to the tenant that started it, first claim wins, old runs are swept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridged-runs-'));
  const database = await createDatabase({ sqlitePath: join(dir, 'mesh.db') });
  try {
    const runs = new BridgedRuns(database.db);
    await runs.claim('echo', 'r1', 'acme');
    await runs.claim('echo', 'r1', 'globex');
    assert.equal(await runs.owns('echo', 'r1', 'acme'), true);
    assert.equal(await runs.owns('echo', 'r1', 'globex'), false);
    assert.equal(await runs.owns('other', 'r1', 'acme'), false, 'a run id is per agent');
    assert.equal(await runs.owns('echo', 'nope', 'acme'), false);
    assert.equal(await runs.sweep(Date.now() - 60_000), 0);
    assert.equal(await runs.sweep(Date.now() + 1), 1);
    assert.equal(await runs.owns('echo', 'r1', 'acme'), false);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
