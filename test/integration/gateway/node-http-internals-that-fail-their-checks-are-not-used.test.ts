/**
 * A gateway on a Node whose undocumented HTTP internals judge otherwise than the ones the gateway was
 * checked against (ADR 0069) does not drive them: its llhttp front steps aside for node:http's server
 * and its upstream client for undici, each saying why at warn, once, at start, and the gateway still
 * answers. The Node is simulated by a preload that makes node:_http_common's header name check take
 * `a b` for a token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCli, stopChild, waitForOutput } from '../../helpers/child-output.js';
import { freePort } from '../../helpers/free-port.js';
import { startRegistry } from '../../helpers/registry-fixture.js';

const PRELOAD = fileURLToPath(new URL('../../fixtures/http-token-check-that-lies.mjs', import.meta.url));

test('a gateway whose node:http internals fail their checks serves through node:http and undici, and says so', { timeout: 60_000 }, async (t) => {
  const registry = await startRegistry({});
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-internals-'));
  t.after(async () => {
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const port = await freePort();
  const child = spawnCli(['serve', 'gateway', '--port', String(port), '--data-dir', dataDir], {
    NODE_OPTIONS: `--import ${PRELOAD}`,
    HOST: '127.0.0.1',
    GATEWAY_METRICS_PORT: '0',
    GATEWAY_DATA_PLANE_SERVER: 'llhttp',
    GATEWAY_UPSTREAM_CLIENT: 'llhttp',
    REGISTRY_URL: registry.url,
    AGENTMESH_DEV: '1',
    LOG_FORMAT: 'json',
    AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
    DATABASE_URL: undefined,
  });
  t.after(() => stopChild(child, 'SIGTERM'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(child, /gateway listening on /, 'serve gateway');
  const warnings = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string })
    .filter((line) => line.level === 40 && line.reason !== undefined);
  assert.deepEqual(
    warnings.map((line) => [line.msg, line.reason]),
    [
      ["Node's HTTP parser binding is not as expected: plain http instances are relayed through undici", '_checkIsHttpToken judges "a b" otherwise than node:http did'],
      ['the data plane is served through node:http: its llhttp front cannot be used on this Node', '_checkIsHttpToken judges "a b" otherwise than node:http did'],
    ].sort(),
  );
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(health.status, 200);
});
