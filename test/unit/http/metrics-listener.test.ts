import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import Fastify from 'fastify';
import { createMetricsListener } from '../../../src/http/probes/metrics-listener.js';
import { createProbeListener, probeListenerOf } from '../../../src/http/probes/probe-listener.js';
import { metricsPortOf } from '../../../src/http/server/role-config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { testServer } from './test-server.js';

describe('metrics apart from the public port', () => {
  test('buildHttpServer with metricsRoute false answers /metrics 404 in the JSON error shape', async (t) => {
    const { app } = testServer({ metricsRoute: false });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.details[0].reason, 'AM_ERR_HTTP_NOT_FOUND');
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });

  test('the listener serves GET and HEAD /metrics and nothing else, then closes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.gauge('agentmesh_test_balance', 'A per-tenant series.', ['tenant']).set({ tenant: 'acme' }, 7);
    const listener = createMetricsListener({ metrics, host: '127.0.0.1', port: 0, logger: createLogger({ level: 'silent' }) });
    assert.equal(listener.url, undefined);
    const { url } = await listener.listen();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.equal(listener.url, url);
    try {
      const res = await fetch(`${url}?x=1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(await res.text(), /^agentmesh_test_balance\{tenant="acme"\} 7$/m);
      const head = await fetch(url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');

      const post = await fetch(url, { method: 'POST', body: 'x' });
      assert.equal(post.status, 404);
      const body = (await post.json()) as any;
      assert.equal(body.error.status, 'NOT_FOUND');
      assert.equal(body.error.details[0].reason, 'AM_ERR_HTTP_NOT_FOUND');
      assert.equal(body.error.details[0].metadata.requestId, post.headers.get('x-request-id'));
      assert.equal((await fetch(new URL('/health', url))).status, 404);
    } finally {
      await listener.close();
      await listener.close();
    }
    await assert.rejects(fetch(url));
  });

  test('refuses to start on a port already taken, and closes cleanly without having listened', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const listener = createMetricsListener({ metrics: createMetrics({ defaultMetrics: false }), host: '127.0.0.1', port, logger: createLogger({ level: 'silent' }) });
    try {
      await assert.rejects(listener.listen(), /EADDRINUSE/);
    } finally {
      taken.close();
    }
    await listener.close();
  });

  test('metricsPortOf: the configured port, else any free port beside port 0, else the role default', () => {
    assert.equal(metricsPortOf({ port: 4200, metricsPort: 9464 }, 4290), 9464);
    assert.equal(metricsPortOf({ port: 0, metricsPort: 9464 }, 4290), 9464);
    assert.equal(metricsPortOf({ port: 0 }, 4290), 0);
    assert.equal(metricsPortOf({ port: 4200 }, 4290), 4290);
  });
});

describe('probes apart from the public port', () => {
  test('the probe listener answers what the public port answers, and is off unless probePort is set', async (t) => {
    let storageUp = false;
    const { app } = testServer({ readiness: [{ name: 'storage', check: async () => { if (!storageUp) throw new Error('down'); } }] });
    t.after(() => app.close());
    assert.equal(probeListenerOf(app, { host: '127.0.0.1', port: 0 }, createLogger({ level: 'silent' })), undefined);
    assert.throws(() => probeListenerOf(app, { host: '127.0.0.1', port: 4100, probePort: 4100 }, createLogger({ level: 'silent' })), /probePort 4100 is the role's own port/);
    const probes = probeListenerOf(app, { host: '127.0.0.1', port: 0, probePort: 0 }, createLogger({ level: 'silent' }))!;
    const { url } = await probes.listen();
    const down = await fetch(`${url}/ready`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), (await app.inject({ method: 'GET', url: '/ready' })).json());
    storageUp = true;
    assert.equal((await fetch(`${url}/ready`)).status, 200);
    // The app's close closes it.
    await app.close();
    await assert.rejects(fetch(`${url}/health`));
  });

  test('refuses a server not built by buildHttpServer', () => {
    assert.throws(() => createProbeListener({ app: Fastify() as never, host: '127.0.0.1', port: 0, logger: createLogger({ level: 'silent' }) }), /not built by buildHttpServer/);
  });
});
