import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gate, testServer } from './test-server.js';

describe('GET /health', () => {
  test('answers 200 with name, version and uptime', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual({ ...body, uptimeSeconds: 0 }, { status: 'ok', name: 'test-role', version: '1.2.3', uptimeSeconds: 0 });
    assert.equal(typeof body.uptimeSeconds, 'number');
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});

describe('GET /ready', () => {
  test('answers 503 while a check fails and 200 once it passes', async (t) => {
    let storageUp = false;
    const { app, logs } = testServer({
      readiness: [
        { name: 'storage', check: async () => { if (!storageUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); } },
        { name: 'bus', check: async () => {} },
      ],
    });
    t.after(() => app.close());

    const down = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(down.statusCode, 503);
    assert.deepEqual(down.json(), { status: 'not_ready', checks: { storage: 'connect ECONNREFUSED 127.0.0.1:5432', bus: 'ok' } });
    assert.ok(logs().some((l) => l.msg === 'readiness check failed' && l.check === 'storage'));

    storageUp = true;
    const up = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(up.statusCode, 200);
    assert.deepEqual(up.json(), { status: 'ready', checks: { storage: 'ok', bus: 'ok' } });
  });

  test('fails a check that does not answer within the timeout', async (t) => {
    const { app } = testServer({
      readinessTimeoutMs: 20,
      readiness: [{ name: 'bus', check: () => new Promise<void>(() => {}) }],
    });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'not_ready', checks: { bus: 'timed out after 20 ms' } });
  });

  test('fails a check that throws synchronously', async (t) => {
    const { app } = testServer({
      readiness: [{ name: 'storage', check: () => { throw new Error('no pool'); } }],
    });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().checks.storage, 'no pool');
  });

  test('runs one round of checks for concurrent probes', async (t) => {
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const { app } = testServer({ readiness: [{ name: 'storage', check: () => { calls++; return held; } }] });
    t.after(() => app.close());
    let arrived = 0;
    const bothArrived = gate();
    app.addHook('preHandler', (_request, _reply, done) => {
      if (++arrived === 2) bothArrived.open();
      done();
    });
    const probes = [app.inject({ method: 'GET', url: '/ready' }), app.inject({ method: 'GET', url: '/ready' })];
    await bothArrived.promise;
    await new Promise<void>((resolve) => setImmediate(resolve)); // let the second handler reach the shared run
    release();
    const results = await Promise.all(probes);
    assert.deepEqual(results.map((r) => r.statusCode), [200, 200]);
    assert.equal(calls, 1);
  });
});

describe('GET /metrics', () => {
  test('serves the HTTP counters and histogram labelled by route pattern', async (t) => {
    const { app, metrics } = testServer();
    t.after(() => app.close());
    metrics.counter('agentmesh_runtime_tasks_total', 'Tasks.').inc();
    app.get('/agents/:name', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/agents/sales' });
    await app.inject({ method: 'GET', url: '/agents/legal' });
    await app.inject({ method: 'GET', url: '/no/such/route' });

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /agentmesh_http_requests_total\{role="test-role",method="GET",route="\/agents\/:name",status="200"\} 2/);
    assert.match(res.body, /agentmesh_http_requests_total\{role="test-role",method="GET",route="__not_found__",status="404"\} 1/);
    assert.match(res.body, /agentmesh_http_request_duration_seconds_count\{role="test-role",method="GET",route="\/agents\/:name"\} 2/);
    assert.match(res.body, /agentmesh_runtime_tasks_total 1/, 'metrics of other components are rendered too');
    assert.ok(!res.body.includes('/agents/sales'), 'raw URLs never become labels');
  });

  test('counts a HEAD request once, under its own method', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/thing', async () => ({ ok: true }));
    await app.inject({ method: 'HEAD', url: '/thing' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /agentmesh_http_requests_total\{role="test-role",method="HEAD",route="\/thing",status="200"\} 1\n/);
    assert.ok(!/method="GET",route="\/thing"/.test(res.body));
  });

  test('counts routes of plugins registered later', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    await app.register(
      async (scope) => {
        scope.post('/message:send', async () => ({ ok: true }));
      },
      { prefix: '/agents/sales' },
    );
    await app.inject({ method: 'POST', url: '/agents/sales/message:send', payload: {} });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /route="\/agents\/sales\/message:send",status="200"\} 1/);
  });
});
