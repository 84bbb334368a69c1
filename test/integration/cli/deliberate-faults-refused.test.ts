/**
 * AGENTMESH_TEST_BREAK runs a build broken on purpose, for the nemesis tests alone
 * (docs/reliability.md, "Builds broken on purpose"): a role outside dev mode refuses to start with
 * it, and so does any process under NODE_ENV=production, naming the variable; an unknown value is
 * refused too, so a typo never runs silently unbroken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../../helpers/child-output.js';

function serveRegistry(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-break-'));
  return runToExit(['serve', 'registry', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], env).finally(() => rmSync(dataDir, { recursive: true, force: true }));
}

test('a role outside dev mode refuses to start with a deliberate fault set', async () => {
  const { code, output } = await serveRegistry({ AGENTMESH_TEST_BREAK: 'fencing-off' });
  assert.notEqual(code, 0);
  assert.match(output, /AGENTMESH_TEST_BREAK=fencing-off breaks agentmesh on purpose for tests/);
});

test('NODE_ENV=production refuses a deliberate fault even in dev mode', async () => {
  const { code, output } = await serveRegistry({ AGENTMESH_TEST_BREAK: 'fencing-off', AGENTMESH_DEV: '1', NODE_ENV: 'production' });
  assert.notEqual(code, 0);
  assert.match(output, /refused with NODE_ENV=production/);
});

test('an unknown deliberate fault is refused, naming the ones there are', async () => {
  const { code, output } = await serveRegistry({ AGENTMESH_TEST_BREAK: 'fencing', AGENTMESH_DEV: '1' });
  assert.notEqual(code, 0);
  assert.match(output, /AGENTMESH_TEST_BREAK=fencing: not one of fencing-off, outbox-outside-transaction, result-after-effect, charge-twice, denied-call-sent/);
});
