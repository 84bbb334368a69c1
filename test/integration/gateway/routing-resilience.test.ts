import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { freePort, startRouterApp, startUpstream } from './routing-harness.js';

type Upstream = Awaited<ReturnType<typeof startUpstream>> & { seen: string[] };

/** An instance that records each request (method and body) and answers with `respond`. */
async function instance(name: string, respond: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Upstream> {
  const seen: string[] = [];
  const upstream = await startUpstream((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      respond(req, res, body);
    });
  });
  return Object.assign(upstream, { seen, name });
}

/**
 * An instance on a raw TCP server that answers the first request of each
 * connection (200, kept alive for ten minutes, so the gateway keeps the
 * connection to reuse it) and cuts the connection, unread, the moment bytes
 * of a second request arrive on it: a runtime closing an idle kept-alive
 * connection just as the gateway writes the next request into it. `seen`
 * holds the request line of each request that reached it, and whether it
 * was answered or cut.
 */
async function keepAliveCutter(name: string): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    socket.setEncoding('latin1');
    let answered = false;
    let read = '';
    socket.on('data', (chunk: string) => {
      if (answered) {
        seen.push(`${chunk.slice(0, chunk.indexOf('\r\n'))} cut`);
        socket.resetAndDestroy();
        return;
      }
      read += chunk;
      const head = read.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(read.slice(0, head))?.[1] ?? 0);
      if (read.length < head + 4 + length) return;
      answered = true;
      seen.push(`${read.slice(0, read.indexOf('\r\n'))} answered`);
      const body = JSON.stringify({ from: name });
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\nkeep-alive: timeout=600\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const ok = (name: string) => (_req: IncomingMessage, res: ServerResponse, body: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, echo: body }));

async function register(registryUrl: string, agent: string, urls: string[]): Promise<void> {
  assert.equal((await call(registryUrl, 'PUT', `/v1/agents/${agent}`, { card: sampleCard(agent) })).status, 201);
  for (const url of urls) assert.equal((await call(registryUrl, 'POST', `/v1/agents/${agent}/instances`, { url })).status, 201);
}

async function post(base: string, agent: string, body: string, path = ''): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/agents/${agent}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * How long an open breaker refuses requests: longer than the test takes to send its six requests while
 * the breaker is open, which on a loaded CI machine (two cores, load 20 to 40) outlasted 300 ms and let
 * a trial through to the failing instance.
 */
const BREAKER_OPEN_MS = 6_000;
/**
 * How long the gateway waits for an instance's answer: a silent instance meets it, a healthy one never
 * should, which at 400 ms one did on a loaded CI machine.
 */
const REQUEST_TIMEOUT_MS = 3_000;

describe('breakers, retries and timeouts', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startRouterApp>>;
  const upstreams: Upstream[] = [];
  const keep = (u: Upstream) => (upstreams.push(u), u);

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    // GETs and bodies saying "read" are the idempotent requests of these tests. `halfClose: end`: a client that
    // aborts its call closes its socket, a FIN the default (`answer`, ADR 0069) reads as a half-close still waiting.
    gw = await startRouterApp(reg.url, { breaker: { failures: 5, openMs: BREAKER_OPEN_MS }, requestTimeoutMs: REQUEST_TIMEOUT_MS, idempotent: (method, body) => method === 'GET' || (body?.toString().includes('"read"') ?? false), halfClose: 'end' });
  });
  after(async () => {
    await gw.close();
    for (const u of upstreams) await u.close();
    await reg.close();
  });

  const statOf = (url: string) => gw.router.stats().find((s) => s.url === url)!;
  const cached = (agent: string, count: number) => until(`${agent} cached`, () => gw.router.agent(agent)?.instances.filter((i) => i.inRotation).length === count);

  test('the breaker opens after five failures, traffic goes to the healthy instance, a trial after the window closes it again, and only an agent with a breaker not closed has per-agent breaker series', async () => {
    let broken = true;
    const flaky = keep(await instance('flaky', (req, res, body) => (broken ? res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"lead database offline"}') : ok('flaky')(req, res, body))));
    const steady = keep(await instance('steady', ok('steady')));
    await register(reg.url, 'flaky-agent', [flaky.url, steady.url]);
    await cached('flaky-agent', 2);
    const breakerSeries = async () => (await gw.metrics.render()).body.split('\n').filter((l) => l.startsWith('agentmesh_gateway_upstream_instances{agent="flaky-agent"'));
    assert.deepEqual(await breakerSeries(), [], 'an agent whose breakers are all closed has no per-agent series');
    assert.match((await gw.metrics.render()).body, /^agentmesh_gateway_upstream_breakers\{breaker="closed"\} [1-9]/m, 'the fleet total counts its closed instances');

    const statuses: number[] = [];
    while (statOf(flaky.url).breaker !== 'open') {
      const answer = await post(gw.url, 'flaky-agent', '{"send":1}');
      statuses.push(answer.status);
      if (answer.status === 500) assert.deepEqual(answer.body, { error: 'lead database offline' }, "the instance's own 5xx answer is relayed as is");
    }
    assert.equal(flaky.seen.length, 5, 'five failures open it');
    assert.equal(statuses.filter((s) => s === 500).length, 5, 'a SendMessage that reached the instance is not sent again');
    for (let i = 0; i < 6; i++) assert.equal((await post(gw.url, 'flaky-agent', '{"send":2}')).body.from, 'steady');
    assert.equal(flaky.seen.length, 5, 'nothing reaches an open breaker');
    const whileOpen = await breakerSeries();
    assert.ok(whileOpen.includes('agentmesh_gateway_upstream_instances{agent="flaky-agent",breaker="open"} 1'), whileOpen.join('\n'));
    assert.ok(whileOpen.includes('agentmesh_gateway_upstream_instances{agent="flaky-agent",breaker="closed"} 1'), whileOpen.join('\n'));

    broken = false;
    await until('the window passed', () => statOf(flaky.url).breaker === 'half-open');
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add((await post(gw.url, 'flaky-agent', '{"send":3}')).body.from);
    assert.equal(statOf(flaky.url).breaker, 'closed', 'the trial succeeded');
    assert.deepEqual([...served].sort(), ['flaky', 'steady']);
    assert.deepEqual(await breakerSeries(), [], 'its series go when every breaker closed again');
  });

  test('a connection refused before sending is retried on another instance, even for a SendMessage', async () => {
    const port = await freePort();
    const alive = keep(await instance('alive', ok('alive')));
    await register(reg.url, 'half-dead', [`http://127.0.0.1:${port}`, alive.url]);
    await cached('half-dead', 2);
    const from = gw.results.length;
    for (let i = 0; i < 4; i++) {
      const answer = await post(gw.url, 'half-dead', `{"send":${i}}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.echo, `{"send":${i}}`);
    }
    assert.equal(alive.seen.length, 4, 'each request reached the live instance exactly once');
    assert.ok(gw.results.slice(from).some((r) => r.retried === 1));
    const exposition = (await gw.metrics.render()).body;
    const value = (series: string) => Number(exposition.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0);
    assert.ok(value('agentmesh_gateway_upstream_retries_total{agent="half-dead"}') >= 1);
    assert.ok(value('agentmesh_gateway_upstream_requests_total{agent="half-dead",outcome="connect_error"}') >= 1);
    assert.equal(value('agentmesh_gateway_upstream_requests_total{agent="half-dead",outcome="2xx"}'), 4);
    assert.ok(exposition.includes('agentmesh_gateway_upstream_latency_seconds_bucket{le="0.005",agent="half-dead"}'), 'latency per agent');
    assert.ok(!/instance="/.test(exposition), 'no metric is labelled by instance');
  });

  test('a connection lost after the request was sent is not retried for a SendMessage, but is for a read', async () => {
    const dropper = keep(await instance('dropper', (req) => req.socket.destroy()));
    const fine = keep(await instance('fine', ok('fine')));
    await register(reg.url, 'dropping', [dropper.url, fine.url]);
    await cached('dropping', 2);
    const sends = [await post(gw.url, 'dropping', '{"send":"a"}'), await post(gw.url, 'dropping', '{"send":"b"}')];
    const cut = sends.filter((s) => s.status === 502);
    assert.equal(cut.length, 1, 'round robin sent one of the two to the dropper');
    assert.match(cut[0]!.body.error.message, /^agent dropping did not answer: its instance failed while handling the request \(\w+\); it was not retried because it may have reached the agent$/);
    assert.equal(dropper.seen.length + fine.seen.length, 2, 'each SendMessage reached one instance, once');

    const reads = [await post(gw.url, 'dropping', '{"read":1}'), await post(gw.url, 'dropping', '{"read":2}')];
    assert.deepEqual(reads.map((r) => r.status), [200, 200]);
    assert.ok(gw.results.slice(-2).some((r) => r.retried === 1), 'the read that met the dropper went on to the other instance');
  });

  test('a SendMessage written into a kept-alive connection the instance cuts at that moment is sent nowhere again, on a new connection nor to another instance', async (t) => {
    const first = await keepAliveCutter('first');
    const second = await keepAliveCutter('second');
    t.after(() => Promise.all([first.close(), second.close()]));
    await register(reg.url, 'cut-on-reuse', [first.url, second.url]);
    await cached('cut-on-reuse', 2);
    // Two requests at rest go round robin: each instance answers one, and its connection stays open and idle.
    assert.deepEqual([(await post(gw.url, 'cut-on-reuse', '{"send":1}', '/warm-1')).status, (await post(gw.url, 'cut-on-reuse', '{"send":2}', '/warm-2')).status], [200, 200]);
    const posts = () => [...first.seen, ...second.seen].filter((line) => line.startsWith('POST '));
    assert.deepEqual(posts().sort(), ['POST /warm-1 HTTP/1.1 answered', 'POST /warm-2 HTTP/1.1 answered']);

    const cut = await post(gw.url, 'cut-on-reuse', '{"send":3}', '/cut');
    assert.equal(cut.status, 502);
    assert.match(cut.body.error.message, /^agent cut-on-reuse did not answer: its instance failed while handling the request \(\w+\); it was not retried because it may have reached the agent$/);
    assert.deepEqual(
      posts().filter((line) => line.includes(' /cut ')),
      ['POST /cut HTTP/1.1 cut'],
      'the request reached the instance once, on the reused connection: undici did not write it again on a fresh one, nor the gateway to the other instance',
    );
  });

  test('a draining instance refusing a SendMessage with 503 sends it to another; other 5xx are relayed unless the request is a read', async () => {
    const draining = keep(await instance('draining', (_req, res) =>
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":503,"status":"UNAVAILABLE","message":"The server is shutting down; retry on another instance","details":[{"reason":"AM_ERR_HTTP_UNAVAILABLE","domain":"agentmesh.dev"}]}}'),
    ));
    const overloaded = keep(await instance('overloaded', (_req, res) => res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad gateway upstream"}')));
    const fine = keep(await instance('fine2', ok('fine2')));
    await register(reg.url, 'draining-agent', [draining.url, fine.url]);
    await register(reg.url, 'overloaded-agent', [overloaded.url, fine.url]);
    await cached('draining-agent', 2);
    await cached('overloaded-agent', 2);
    for (let i = 0; i < 3; i++) assert.equal((await post(gw.url, 'draining-agent', `{"send":${i}}`)).body.from, 'fine2');
    assert.ok(draining.seen.length >= 1, 'the drainer was tried');

    const sends = await Promise.all([post(gw.url, 'overloaded-agent', '{"send":1}'), post(gw.url, 'overloaded-agent', '{"send":2}')]);
    assert.deepEqual(sends.map((s) => s.status).sort(), [200, 502], "a 502 to a SendMessage is the agent's answer: relayed");
    const reads = await Promise.all([post(gw.url, 'overloaded-agent', '{"read":1}'), post(gw.url, 'overloaded-agent', '{"read":2}')]);
    assert.deepEqual(reads.map((s) => s.status), [200, 200], 'a read is tried on another instance');

    // A 503 that is not a refusal (the agent's queue is full: it may be the agent's verdict on this very request) is relayed, body intact.
    const queueFullBody = JSON.stringify({ error: { code: 503, status: 'UNAVAILABLE', message: 'queue full', details: [{ reason: 'AM_ERR_TASK_QUEUE_FULL', padding: 'x'.repeat(40_000) }] } });
    const full = keep(await instance('full', (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end(queueFullBody)));
    await register(reg.url, 'full-agent', [full.url, fine.url]);
    await cached('full-agent', 2);
    const answers = await Promise.all([post(gw.url, 'full-agent', '{"send":1}'), post(gw.url, 'full-agent', '{"send":2}')]);
    const relayed = answers.find((a) => a.status === 503)!;
    assert.equal(JSON.stringify(relayed.body), queueFullBody);
  });

  test('an instance that does not answer in time: a SendMessage fails with a timeout, a read goes elsewhere', async () => {
    const silent = keep(await instance('silent', () => undefined));
    const fine = keep(await instance('fine3', ok('fine3')));
    await register(reg.url, 'slow-agent', [silent.url, fine.url]);
    await cached('slow-agent', 2);
    const sends = await Promise.all([post(gw.url, 'slow-agent', '{"send":1}'), post(gw.url, 'slow-agent', '{"send":2}')]);
    const timedOut = sends.find((s) => s.status !== 200)!;
    assert.equal(timedOut.status, 503);
    assert.equal(timedOut.body.error.message, `agent slow-agent did not answer within ${REQUEST_TIMEOUT_MS} ms`);
    assert.equal(timedOut.body.error.details[0].reason, 'AM_ERR_HTTP_TIMEOUT');
    const reads = await Promise.all([post(gw.url, 'slow-agent', '{"read":1}'), post(gw.url, 'slow-agent', '{"read":2}')]);
    assert.deepEqual(reads.map((r) => r.status), [200, 200]);
  });

  test('a client that leaves before the answer aborts the upstream request', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const hanging = keep(await instance('hanging', (req) => req.socket.once('close', () => upstreamClosed())));
    await register(reg.url, 'hanging-agent', [hanging.url]);
    await cached('hanging-agent', 1);
    const client = new AbortController();
    const pending = fetch(`${gw.url}/agents/hanging-agent/tasks/t1`, { signal: client.signal }).catch(() => 'aborted');
    await until('the request at the instance', () => hanging.seen.length === 1);
    client.abort();
    assert.equal(await pending, 'aborted');
    await closed;
    await until('nothing outstanding', () => statOf(hanging.url).outstanding === 0);
    await until('the forward reported', () => gw.results.at(-1)?.status === 499);
    assert.equal(statOf(hanging.url).failures, 0, 'a client leaving is not the instance failing');
  });

  test('an unknown agent is a 404 and an agent with no instance a 503, both before any upstream call', async () => {
    const unknown = await fetch(`${gw.url}/agents/nobody-here`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).error.message, 'agent nobody-here is not registered');
    assert.equal((await call(reg.url, 'PUT', '/v1/agents/lonely', { card: sampleCard('lonely') })).status, 201);
    await until('lonely cached', () => gw.router.agent('lonely') !== undefined);
    const none = await fetch(`${gw.url}/agents/lonely`, { method: 'POST', body: '{}' });
    assert.equal(none.status, 503);
    assert.equal(((await none.json()) as any).error.message, 'agent lonely has no healthy instance: no instance is registered');
  });
});
