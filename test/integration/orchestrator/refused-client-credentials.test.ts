/**
 * An orchestrator whose client credentials the gateway refuses never starts:
 * it does not listen, register or answer /ready (it would enter rotation and
 * fail every call it routes), and `serve orchestrator` exits non-zero naming
 * the variables to fix. A gateway not reachable yet does not stop the start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator } from '../../../src/compose/orchestrator-entry.js';
import { freePort } from '../../helpers/free-port.js';
import { createClient, startGateway } from '../../helpers/gateway-fixture.js';
import { startOrchestrator } from '../../helpers/orchestrator-fixture.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

const ROOT = new URL('../../..', import.meta.url).pathname;

describe('an orchestrator whose client credentials the gateway refuses', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let own: { clientId: string; clientSecret: string };
  const dirs: string[] = [];

  before(async () => {
    registry = await startRegistry({ probeIntervalMs: 200 });
    gw = await startGateway(registry.url);
    own = await createClient(gw.url, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read'] });
  });
  after(async () => {
    await gw?.close();
    await registry?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('does not listen, register or report ready, and says which settings to fix', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orch-refused-'));
    dirs.push(dataDir);
    const port = await freePort();
    const orchestrator = await createOrchestrator({ config: { gatewayUrl: gw.url, clientId: own.clientId, clientSecret: 'amcs_not-the-secret', registryUrl: registry.url, runtime: { port, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl: registry.url } } });
    try {
      await assert.rejects(orchestrator.listen(), (err: Error) => {
        assert.match(err.message, /refused the orchestrator's client credentials \(invalid_client/);
        assert.match(err.message, /ORCHESTRATOR_CLIENT_SECRET/);
        assert.ok(!err.message.includes('amcs_not-the-secret'), 'the secret is never repeated');
        return true;
      });
      await assert.rejects(fetch(`http://127.0.0.1:${port}/ready`), 'nothing listens');
      const registered = await call(registry.url, 'GET', '/v1/agents/orchestrator');
      assert.equal(registered.status, 404, 'it never registered');
    } finally {
      await orchestrator.close();
    }
  });

  test('serve orchestrator exits non-zero naming ORCHESTRATOR_CLIENT_SECRET', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-orch-refused-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'orchestrator', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, GATEWAY_URL: gw.url, REGISTRY_URL: registry.url, ORCHESTRATOR_CLIENT_ID: own.clientId, ORCHESTRATOR_CLIENT_SECRET: 'amcs_wrong', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, output);
    assert.match(output, /ORCHESTRATOR_CLIENT_SECRET/);
    assert.doesNotMatch(output, /listening on/);
  });

  test('with the right secret it starts; a gateway not reachable yet does not stop the start', async () => {
    const right = await startOrchestrator({}, { config: { gatewayUrl: gw.url, clientId: own.clientId, clientSecret: own.clientSecret, registryUrl: registry.url, runtime: { registryUrl: registry.url } } });
    await right.close();
    const unreachable = await startOrchestrator({}, { config: { gatewayUrl: `http://127.0.0.1:${await freePort()}`, clientId: own.clientId, clientSecret: 'whatever' } });
    await unreachable.close();
  });
});
