import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../../src/gateway/index.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';

/**
 * A relay in front of the registry that holds every request until `release()`: the registry, as the
 * gateway sees it, is slow to answer (down, or starting) for as long as the test wants.
 */
async function heldRegistry(registryUrl: string) {
  const target = new URL(registryUrl);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server: Server = createServer((req, res) => {
    void released.then(() => {
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release,
    close: async () => {
      release();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function gatewayOn(registryUrl: string, port: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-'));
  const gateway = await createGateway({ config: { port, metricsPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl, adminToken: 'admin-token-0123456789abcdef0123', dev: true, allowHosts: ['127.0.0.1', 'localhost'] } });
  return { gateway, close: async () => { await gateway.close(); rmSync(dataDir, { recursive: true, force: true }); } };
}

test('a gateway whose port is taken fails to start at once, without waiting for a registry that does not answer', async (t) => {
  const registry = await startRegistry();
  const held = await heldRegistry(registry.url);
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  t.after(async () => {
    taken.close();
    await held.close();
    await registry.close();
  });
  const { gateway, close } = await gatewayOn(held.url, (taken.address() as AddressInfo).port);
  t.after(close);

  const started = performance.now();
  await assert.rejects(gateway.listen(), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
  const waitedMs = performance.now() - started;
  // The registry has not answered (nothing is released): the refusal did not wait for it. The router waits
  // up to 10 s for a first load; binding first fails in milliseconds, so half of that is far from both.
  assert.equal(gateway.router.ready(), false);
  assert.ok(waitedMs < 5_000, `the start failed after ${Math.round(waitedMs)} ms`);
});

test('before the directory loads, a call is answered 503 and retryable, not 404; once loaded, an unknown agent is 404', async (t) => {
  const registry = await startRegistry();
  const held = await heldRegistry(registry.url);
  t.after(async () => {
    await held.close();
    await registry.close();
  });
  const { gateway, close } = await gatewayOn(held.url, 0);
  t.after(close);

  const listening = gateway.listen();
  await until('the gateway to listen', () => gateway.app.server.listening);
  const url = `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
  const get = () => fetch(`${url}/agents/echo/tasks/t-1`, { headers: { 'a2a-version': '1.0' } });

  const early = await get();
  assert.equal(early.status, 503);
  const body = (await early.json()) as { error?: { message?: string } };
  assert.match(body.error?.message ?? '', /not loaded the agent directory/);
  assert.equal(gateway.router.ready(), false);

  held.release();
  await listening;
  assert.equal(gateway.router.ready(), true);
  const late = await get();
  assert.equal(late.status, 404);
});
