import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataPlaneRoute, DataPlaneServer, ExchangeReply, ExchangeRequest } from '../../../src/http/index.js';
import { holdDrain, testServer } from './test-server.js';

/** A data plane under `/plane/` whose handler the test supplies; `/plane/x` from Fastify answers `fastify`. */
async function planeServer(t: TestContext, handle: (request: ExchangeRequest, reply: ExchangeReply) => Promise<void>, extra: { accepts?: DataPlaneRoute['accepts']; bodyLimitBytes?: number; trustProxy?: boolean } = {}) {
  const route: DataPlaneRoute = { prefix: '/plane/', accepts: extra.accepts, routeLabel: () => '/plane/*' };
  const server = testServer({ dataPlane: route, dataPlaneServer: serverUnderTest, ...(extra.bodyLimitBytes !== undefined && { bodyLimitBytes: extra.bodyLimitBytes }), ...(extra.trustProxy !== undefined && { trustProxy: extra.trustProxy }) });
  server.app.all('/plane/*', async () => 'fastify');
  route.handle = handle;
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => server.app.close());
  const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  return { ...server, url };
}

const echo = async (request: ExchangeRequest, reply: ExchangeReply): Promise<void> => {
  reply.header('x-seen', `${request.method} ${request.url}`).send({ body: Buffer.isBuffer(request.body) ? request.body.toString('utf8') : null, query: request.query, ip: request.ip, id: request.id });
};

/** Every case runs on node:http's server and on the llhttp front (ADR 0065). */
let serverUnderTest: DataPlaneServer = 'node';

for (const front of ['node', 'llhttp'] as const)
describe(`data plane (${front})`, { concurrency: false }, () => {
  test.beforeEach(() => {
    serverUnderTest = front;
  });

  test('serves its prefix itself, with the request id, security headers and a JSON body', async (t) => {
    const { url } = await planeServer(t, echo);
    const res = await fetch(`${url}/plane/a?x=1&y=two`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-request-id': 'client-7' }, body: 'hello' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'client-7');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(res.headers.get('x-seen'), 'POST /plane/a?x=1&y=two');
    assert.deepEqual(await res.json(), { body: 'hello', query: { x: '1', y: 'two' }, ip: '127.0.0.1', id: 'client-7' });
  });

  test('a request with no body has none; GET never reads one', async (t) => {
    const { url } = await planeServer(t, echo);
    const get = (await (await fetch(`${url}/plane/a`)).json()) as { body: unknown };
    assert.equal(get.body, null);
    const emptyPost = (await (await fetch(`${url}/plane/a`, { method: 'POST' })).json()) as { body: unknown };
    assert.equal(emptyPost.body, null);
    const typedEmpty = (await (await fetch(`${url}/plane/a`, { method: 'POST', headers: { 'content-type': 'application/json' } })).json()) as { body: unknown };
    assert.equal(typedEmpty.body, '', 'a typed empty body is an empty Buffer, as Fastify gives it');
  });

  test('other paths, methods it does not serve, and requests `accepts` declines go to Fastify', async (t) => {
    const { url } = await planeServer(t, echo, { accepts: (req) => req.headers.origin === undefined });
    assert.equal(await (await fetch(`${url}/plane/a`, { headers: { origin: 'https://app.example' } })).text(), 'fastify');
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const missing = await fetch(`${url}/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });

  test('a body over the limit is refused with 413 in the google.rpc.Status shape, declared or streamed, and the connection closes', async (t) => {
    let handled = 0;
    const { url } = await planeServer(t, async (request, reply) => {
      handled++;
      await echo(request, reply);
    }, { bodyLimitBytes: 16 });
    const declared = await fetch(`${url}/plane/a`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(17) });
    assert.equal(declared.status, 413);
    assert.equal(declared.headers.get('connection'), 'close');
    const body = (await declared.json()) as { error: { code: number; details: Array<{ reason?: string; metadata?: { requestId?: string } }> } };
    assert.equal(body.error.code, 413);
    assert.equal(body.error.details[0]!.metadata!.requestId, declared.headers.get('x-request-id'));
    // Chunked: no length to refuse early, the limit is counted as the body arrives.
    const streamed = await fetch(`${url}/plane/a`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Readable.toWeb(Readable.from(['x'.repeat(10), 'y'.repeat(10)])) as ReadableStream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(handled, 0);
  });

  test('a handler that throws gets a generic 500, logged with the cause; one that answers twice keeps the first', async (t) => {
    const { url, logs } = await planeServer(t, async (request, reply) => {
      if (request.url.endsWith('/twice')) {
        reply.send('first');
        reply.code(500).send('second');
        return;
      }
      throw new Error('secret internal detail');
    });
    const res = await fetch(`${url}/plane/boom`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes('secret internal detail'), 'the cause is not exposed');
    assert.ok(logs().some((l) => l['msg'] === 'request failed'));
    const twice = await fetch(`${url}/plane/twice`);
    assert.equal(twice.status, 200);
    assert.equal(await twice.text(), 'first');
  });

  test('streams a Readable as it comes, and a client that leaves destroys it', async (t) => {
    let destroyed!: () => void;
    const gone = new Promise<void>((resolve) => (destroyed = resolve));
    const { url } = await planeServer(t, async (request, reply) => {
      if (request.url.endsWith('/forever')) {
        const forever = new Readable({ read() {} });
        forever.on('close', destroyed);
        forever.push('tick\n');
        reply.header('content-type', 'text/event-stream').send(forever);
        return;
      }
      reply.send(Readable.from(['a', 'b', 'c']));
    });
    assert.equal(await (await fetch(`${url}/plane/s`)).text(), 'abc');
    await new Promise<void>((resolve, reject) => {
      const port = new URL(url).port;
      const req = httpRequest({ host: '127.0.0.1', port, path: '/plane/forever' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('close', () => undefined);
      req.end();
      req.on('timeout', reject);
    });
    await gone;
  });

  test('a streamed reply watches the response with few listeners, so callers that wait on it stay under Node\'s ten', async (t) => {
    let listeners = -1;
    const { url } = await planeServer(t, async (_request, reply) => {
      reply.send(Readable.from(['a', 'b']));
      listeners = reply.raw.listenerCount('close');
    });
    assert.equal(await (await fetch(`${url}/plane/s`)).text(), 'ab');
    // The dispatcher's own close listener and pipe's; stream.pipeline would add six.
    assert.ok(listeners >= 1 && listeners <= 2, `${listeners} close listeners on a streamed response`);
  });

  test('a body that fails midway cuts the response instead of leaving it open', async (t) => {
    const { url } = await planeServer(t, async (_request, reply) => {
      reply.send(
        Readable.from(
          (async function* () {
            yield 'first ';
            throw new Error('the source broke');
          })(),
        ),
      );
    });
    const res = await fetch(`${url}/plane/broken`);
    await assert.rejects(res.text(), /terminated|other side closed|aborted/i);
  });

  test('records HTTP metrics under the route label and writes Fastify-shaped request lines without credentials', async (t) => {
    const { url, metrics, logs } = await planeServer(t, async (_request, reply) => {
      reply.code(204).send();
    });
    const res = await fetch(`${url}/plane/a?access_token=very-secret-token`);
    assert.equal(res.status, 204);
    await res.arrayBuffer();
    const scrape = async (): Promise<string> => metrics.registry.metrics();
    let text = await scrape();
    for (let i = 0; i < 50 && !text.includes('route="/plane/*",status="204"'); i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      text = await scrape();
    }
    assert.match(text, /agentmesh_http_requests_total\{role="test-role",method="GET",route="\/plane\/\*",status="204"\} 1/);
    const lines = logs();
    const incoming = lines.find((l) => l['msg'] === 'incoming request') as { req: { url: string; method: string } } | undefined;
    assert.ok(incoming, 'an incoming request line');
    assert.equal(incoming.req.method, 'GET');
    assert.equal(incoming.req.url, '/plane/a?access_token=[redacted]');
    assert.ok(lines.some((l) => l['msg'] === 'request completed' && (l['res'] as { statusCode: number }).statusCode === 204));
    assert.ok(!JSON.stringify(lines).includes('very-secret-token'));
  });

  test('while draining, answers 503 in the google.rpc.Status shape on a closing connection', async (t) => {
    const { app, url } = await planeServer(t, echo);
    // A drain hook holds the drain in its first phase (draining, still listening) while we probe.
    const { release, drained } = await holdDrain(app);
    const res = await fetch(`${url}/plane/a`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(((await res.json()) as { error: { status: string } }).error.status, 'UNAVAILABLE');
    release();
    await drained;
  });

  test('HEAD keeps the length it was given; 204 carries no content headers, whatever was sent', async (t) => {
    const { url } = await planeServer(t, async (request, reply) => {
      if (request.url.endsWith('/none')) {
        reply.code(204).header('content-type', 'application/json').send('{"ignored":true}');
        return;
      }
      reply.header('content-length', '42').header('content-type', 'application/json').send();
    });
    const head = await fetch(`${url}/plane/a`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '42');
    const none = await fetch(`${url}/plane/none`, { method: 'POST' });
    assert.equal(none.status, 204);
    assert.equal(none.headers.get('content-type'), null);
    assert.equal(none.headers.get('content-length'), null);
    assert.equal(await none.text(), '');
  });

  test('behind a trusted proxy: the client is the first X-Forwarded-For hop, host and protocol the nearest hop (as Fastify)', async (t) => {
    const { url } = await planeServer(
      t,
      async (request, reply) => {
        reply.send({ ip: request.ip, host: request.host, protocol: request.protocol });
      },
      { trustProxy: true },
    );
    const res = await fetch(`${url}/plane/a`, { headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'x-forwarded-host': 'evil.example, real.example', 'x-forwarded-proto': 'https, http' } });
    assert.deepEqual(await res.json(), { ip: '203.0.113.7', host: 'real.example', protocol: 'http' });
  });

  test('an upload cut mid-body is recorded as 400, not as a success, and the handler never runs', async (t) => {
    let handled = 0;
    const { url, metrics } = await planeServer(t, async (request, reply) => {
      handled++;
      await echo(request, reply);
    });
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: new URL(url).port, path: '/plane/cut', method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('abc', () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
    });
    const counted = async (): Promise<string> => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('agentmesh_http_requests_total') && l.includes('/plane/*')).join('\n');
    let text = await counted();
    for (let i = 0; i < 200 && text === ''; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      text = await counted();
    }
    assert.match(text, /status="400"\} 1/);
    assert.doesNotMatch(text, /status="200"/);
    assert.equal(handled, 0);
  });

  test('an error answer that cannot be written cuts the response instead of ending the process', async (t) => {
    const { url } = await planeServer(t, async (_request, reply) => {
      reply.header('x-bad', 'line\nbreak');
      throw new Error('after setting a header Node refuses');
    });
    await assert.rejects(fetch(`${url}/plane/a`));
    // The server still serves.
    const after = await fetch(`${url}/health`);
    assert.equal(after.status, 200);
  });
});
