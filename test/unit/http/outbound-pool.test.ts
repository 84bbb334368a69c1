import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { types } from 'node:util';
import type { Dispatcher } from 'undici';
import type * as UndiciModule from 'undici';
import { createOutboundPool, fetchThrough, traceparentInterceptor } from '../../../src/http/outbound/outbound-pool.js';
import { InProcessServers } from '../../../src/http/outbound/in-process-servers.js';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

/** An error and its causes, outermost first (undici wraps a connector's error). */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let current = err; current !== undefined && current !== null && out.length < 5; current = (current as { cause?: unknown }).cause) out.push(current);
  return out;
}

async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A server that answers 200 with the headers it received, as JSON. */
function echoHeaders(): RequestListener {
  return (request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(request.headers));
  };
}

/** What a request sent through `dispatch` with `headers` arrives with. */
async function arrivingHeaders(pool: Dispatcher, url: string, headers: Dispatcher.DispatchOptions['headers']): Promise<IncomingHttpHeaders> {
  const { origin } = new URL(url);
  const res = await pool.request({ origin, path: '/', method: 'GET', headers });
  return (await res.body.json()) as IncomingHttpHeaders;
}

describe('outbound pools', () => {
  test('a pool without interceptors is the undici Agent itself, so the hot upstream path pays no proxy per call', async () => {
    const pool = createOutboundPool({ connectTimeoutMs: 1_000, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000 });
    assert.equal(types.isProxy(pool), false);
    assert.equal(pool.constructor.name, 'Agent');
    await pool.close();
  });

  test('an isolated pool runs on a copy of undici of its own, so what it is given never reaches the shared pools\' compiled code', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const shared = createOutboundPool();
    const isolated = createOutboundPool({ isolated: true, connectTimeoutMs: 1_000, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000 });
    const again = createOutboundPool({ isolated: true });
    const { Agent } = createRequire(import.meta.url)('undici') as typeof UndiciModule;
    // Another class (and so other functions, with type feedback and compiled code of their own), one copy for all isolated pools.
    assert.equal(isolated.constructor.name, 'Agent');
    assert.notEqual(isolated.constructor, shared.constructor);
    assert.equal(again.constructor, isolated.constructor);
    // Node's module cache was left as it was: undici elsewhere is still the shared copy.
    assert.equal(shared.constructor, Agent);
    const res = await fetchThrough(isolated)(`${url}/x`, { headers: { 'x-probe': '1' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as IncomingHttpHeaders)['x-probe'], '1');
    await Promise.all([shared.close(), isolated.close(), again.close()]);
    server.closeAllConnections();
  });

  test('fetchThrough sends the call on the pool, and close() ends its sockets', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const pool = createOutboundPool();
    const connected: unknown[] = [];
    pool.on('connect', (origin) => connected.push(String(origin)));
    const res = await fetchThrough(pool)(`${url}/x`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.deepEqual(connected, [`${url}/`]);
    await pool.close();
    server.closeAllConnections();
  });

  test('a response slower than headersTimeoutMs fails the call with undici\'s timeout', async (t) => {
    const { server, url } = await listen(() => {
      // Never answers.
    });
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const pool = createOutboundPool({ headersTimeoutMs: 50 });
    await assert.rejects(fetchThrough(pool)(url), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'UND_ERR_HEADERS_TIMEOUT');
    await pool.destroy();
  });

  test('the connect policy refuses a connection with its own error, and admits the others', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const refusal = new Error('not this one');
    const pool = createOutboundPool({
      connectPolicy: {
        admit: (target) => (target.hostname === '127.0.0.1' ? 'guarded' : refusal),
        lookup: (hostname, options, callback) => callback(new Error(`open lookup of ${hostname}`), ''),
        guardedLookup: (hostname, options, callback) => callback(new Error(`guarded lookup of ${hostname}`), ''),
      },
    });
    await assert.rejects(fetchThrough(pool)('http://127.0.0.2:8081/'), (err: unknown) => causes(err).includes(refusal));
    // An IP literal needs no lookup: the guarded connector connects.
    const res = await fetchThrough(pool)(url);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await pool.close();
    server.closeAllConnections();
  });

  test('an origin this process serves is reached in memory, past the network connector', async (t) => {
    if (!InProcessServers.supported) return t.skip('stream.duplexPair needs Node 20.17');
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const inProcess = new InProcessServers();
    inProcess.add(url, server);
    const pool = createOutboundPool({ inProcess, connectPolicy: { admit: () => new Error('the network is not used'), lookup: () => undefined, guardedLookup: () => undefined } });
    const res = await fetchThrough(pool)(url);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(inProcess.connections, 1);
    await pool.close();
    server.closeAllConnections();
  });
});

describe('traceparentInterceptor', () => {
  test('starts a trace of its own for a request that carries none, whatever shape its headers have', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const pool = createOutboundPool({ interceptors: [traceparentInterceptor({ startTrace: true })] });
    // None, a record, undici's flat list, and an iterable of pairs read once (a generator).
    const pairs = function* (): Generator<[string, string]> {
      yield ['x-a', '1'];
    };
    for (const headers of [undefined, { 'x-a': '1' }, ['x-a', '1'], new Map([['x-a', '1']]), pairs()]) {
      const got = await arrivingHeaders(pool, url, headers);
      assert.match(String(got.traceparent), TRACEPARENT);
      if (headers !== undefined) assert.equal(got['x-a'], '1');
    }
    await pool.close();
    server.closeAllConnections();
  });

  test('leaves a traceparent the request carries, in any letter case', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const pool = createOutboundPool({ interceptors: [traceparentInterceptor({ startTrace: true })] });
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal((await arrivingHeaders(pool, url, { TraceParent: own })).traceparent, own);
    assert.equal((await arrivingHeaders(pool, url, ['Traceparent', own])).traceparent, own);
    const res = await fetchThrough(pool)(url, { headers: { traceparent: own } });
    assert.equal(((await res.json()) as IncomingHttpHeaders).traceparent, own);
    await pool.close();
    server.closeAllConnections();
  });

  test('adds nothing when no trace is current and it starts none', async (t) => {
    const { server, url } = await listen(echoHeaders());
    t.after(() => server.close());
    const pool = createOutboundPool({ interceptors: [traceparentInterceptor({})] });
    assert.equal((await arrivingHeaders(pool, url, { 'x-a': '1' })).traceparent, undefined);
    await pool.close();
    server.closeAllConnections();
  });
});
