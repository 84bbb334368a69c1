import { describe, test } from 'node:test';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createTracing } from '../../../src/observability/tracing.js';
import { currentRequestContext } from '../../../src/observability/request-context.js';
import { buildHttpServer } from '../../../src/http/server/build-http-server.js';
import { isDraining } from '../../../src/http/lifecycle/graceful-shutdown.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { testServer } from './test-server.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('request ids', () => {
  test('echoes a valid incoming x-request-id', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'client-42.retry_1' } });
    assert.equal(res.headers['x-request-id'], 'client-42.retry_1');
  });

  test('replaces an invalid or oversized x-request-id with a UUID', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    for (const bad of ['has space', 'a"b', 'x'.repeat(129), '']) {
      const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': bad } });
      assert.match(res.headers['x-request-id'] as string, UUID_RE, `for ${JSON.stringify(bad)}`);
    }
  });

  test('generates a UUID when none is sent, also on errors', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/missing' });
    assert.match(res.headers['x-request-id'] as string, UUID_RE);
    assert.equal(res.json().error.details[0].metadata.requestId, res.headers['x-request-id']);
  });
});

describe('request context', () => {
  test('runs handlers inside the request context and stamps every log line', async (t) => {
    const { app, logs } = testServer();
    t.after(() => app.close());
    app.post('/work', async (request) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      request.log.info('handler line');
      return { ctx: { reqId: currentRequestContext()?.reqId, traceId: currentRequestContext()?.traceId } };
    });
    const res = await app.inject({
      method: 'POST',
      url: '/work',
      headers: { 'x-request-id': 'req-ctx', traceparent: TRACEPARENT },
      payload: { a: 1 },
    });
    assert.deepEqual(res.json(), { ctx: { reqId: 'req-ctx', traceId: TRACE_ID } });
    const lines = logs().filter((l) => l.reqId === 'req-ctx');
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['incoming request', 'handler line', 'request completed'],
    );
    for (const line of lines) assert.equal(line.traceId, TRACE_ID, String(line.msg));
  });

  test('stamps component loggers through the mixin inside a request', async (t) => {
    const { stream: destination, records } = memoryDestination();
    const logger = createLogger({ destination });
    const app = buildHttpServer({ name: 'r', version: '1', logger, metrics: createMetrics({ defaultMetrics: false }), readiness: [] });
    t.after(() => app.close());
    const log = logger.child({ component: 'registry' });
    app.post('/register', async () => {
      log.info('registered');
      return {};
    });
    await app.inject({ method: 'POST', url: '/register', payload: {}, headers: { 'x-request-id': 'req-mixin' } });
    const line = records().find((l) => l.msg === 'registered');
    assert.equal(line?.component, 'registry');
    assert.equal(line?.reqId, 'req-mixin');
  });

  test('exposes the server state on app.agentmesh', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    assert.equal(app.agentmesh.name, 'test-role');
    assert.equal(app.agentmesh.version, '1.2.3');
    assert.equal(app.agentmesh.draining, false);
    assert.equal(isDraining(app), false);
  });

  test('continues the incoming trace when tracing is given but disabled', async (t) => {
    const logger = createLogger({ level: 'silent' });
    const tracing = createTracing({ serviceName: 'r', logger });
    const app = buildHttpServer({ name: 'r', version: '1', logger, tracing, metrics: createMetrics({ defaultMetrics: false }), readiness: [] });
    t.after(() => app.close());
    app.get('/out', async () => tracing.injectTraceparent({}));
    const res = await app.inject({ method: 'GET', url: '/out', headers: { traceparent: TRACEPARENT } });
    const out = res.json() as { traceparent?: string };
    assert.match(out.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.ok(!out.traceparent?.includes('00f067aa0ba902b7'), 'a child span id, not the caller\'s');
  });
});

describe('tracing', () => {
  test('records a server span per request, active in the handler, named after the route', async (t) => {
    const exported: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        exported.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    t.after(() => collector.close());
    const logger = createLogger({ level: 'silent' });
    const tracing = createTracing({ serviceName: 'agentmesh-test', otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, logger });
    const app = buildHttpServer({ name: 'r', version: '1', logger, tracing, metrics: createMetrics({ defaultMetrics: false }), readiness: [] });
    t.after(() => app.close());
    app.post('/agents/:name/message:send', async () => tracing.injectTraceparent({}));

    const res = await app.inject({ method: 'POST', url: '/agents/sales/message:send', headers: { traceparent: TRACEPARENT }, payload: { a: 1 } });
    const outbound = (res.json() as { traceparent?: string }).traceparent ?? '';
    const [, traceId, serverSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(outbound) ?? [];
    assert.equal(traceId, TRACE_ID, 'the server span continues the incoming trace');
    assert.notEqual(serverSpanId, '00f067aa0ba902b7');

    await tracing.shutdown();
    const spans = exported.join('\n');
    assert.ok(spans.includes('POST /agents/:name/message:send'), 'span named METHOD route');
    assert.ok(spans.includes(serverSpanId ?? 'missing'), 'the span the handler saw as active is the exported server span');
    assert.ok(spans.includes('00f067aa0ba902b7'), 'its parent is the caller\'s span');
  });
});

describe('security headers', () => {
  test('are set on every response, errors included', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    for (const url of ['/health', '/missing']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
      assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    }
  });

  test('are left out when securityHeaders is false', async (t) => {
    const { app } = testServer({ securityHeaders: false });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.headers['x-content-type-options'], undefined);
    assert.equal(res.headers['strict-transport-security'], undefined);
    assert.ok(res.headers['x-request-id'], 'the request id is still echoed');
  });

  test('can be overridden by a route that serves HTML', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/console', async (_request, reply) => {
      reply.header('content-security-policy', "default-src 'self'").type('text/html');
      return '<!doctype html>';
    });
    const res = await app.inject({ method: 'GET', url: '/console' });
    assert.equal(res.headers['content-security-policy'], "default-src 'self'");
  });
});

describe('options', () => {
  test('are checked when the server is built, naming the option', () => {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics({ defaultMetrics: false });
    assert.throws(() => buildHttpServer({ name: 'r', version: '1', logger, metrics, readiness: [], bodyLimitBytes: -1 }), /"bodyLimitBytes" option must be a non-negative integer/);
    assert.throws(() => buildHttpServer({ name: '', version: '1', logger, metrics, readiness: [] }), /"name" option/);
    assert.throws(
      () => buildHttpServer({ name: 'r', version: '1', logger, metrics, readiness: [{ name: 'a', check: async () => {} }, { name: 'a', check: async () => {} }] }),
      /two checks named "a"/,
    );
  });
});
