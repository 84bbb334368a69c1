/**
 * A gateway on port 0 picks its port before it listens (tokens and cards name
 * it) and holds it through its start-up: another process's listener cannot
 * take it meanwhile and make the gateway fail with EADDRINUSE on a port
 * nobody asked for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../../src/gateway/index.js';
import { startRegistry } from '../../helpers/registry-fixture.js';

function bindError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
}

test('a gateway on port 0 holds the port it picked from its creation until it listens there', { skip: process.platform === 'linux' ? false : 'the port is held with SO_REUSEPORT, which libuv offers on Linux' }, async (t) => {
  const registry = await startRegistry();
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-'));
  const gateway = await createGateway({ config: { port: 0, metricsPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl: registry.url, adminToken: 'admin-token-0123456789abcdef0123', dev: true, allowHosts: ['127.0.0.1', 'localhost'] } });
  t.after(async () => {
    await gateway.close();
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const port = gateway.config.port;
  assert.notEqual(port, 0);
  assert.equal(await bindError(port), 'EADDRINUSE', 'created, not yet listening: the port is held');

  const { boundUrl } = await gateway.listen();
  assert.equal(new URL(boundUrl).port, String(port));
  for (let i = 0; i < 10; i++) {
    const health = await fetch(`${boundUrl}/health`);
    assert.equal(health.status, 200, 'every connection reaches the gateway: the reservation was released once it listened');
    await health.arrayBuffer();
  }
  await gateway.close();
  const free = createServer().listen(port, '127.0.0.1');
  await once(free, 'listening');
  free.close();
});
