import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { testServer } from './test-server.js';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

/** Sends `data` on a new connection and resolves with everything the server wrote before closing it. */
function rawRequest(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    socket.on('data', (chunk) => (out += chunk.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: any } {
  const [head, payload] = text.split('\r\n\r\n', 2) as [string, string];
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(payload) };
}

describe('refusals before any route answer google.rpc.Status JSON with the request id', () => {
  test('a path segment over maxParamLength is 404 not found, counted as an unmatched route', async (t) => {
    const { app, metrics } = testServer();
    t.after(() => app.close());
    app.get('/v1/tenants/:tenant/credits', async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: `/v1/tenants/${'t'.repeat(101)}/credits?access_token=SECRET` });
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const body = res.json();
    assert.equal(body.error.code, 404);
    assert.equal(body.error.status, 'NOT_FOUND');
    assert.deepEqual(body.error.details, [{ '@type': ERROR_INFO, reason: 'AM_ERR_HTTP_NOT_FOUND', domain: 'agentmesh.dev', metadata: { requestId: res.headers['x-request-id'] } }]);
    assert.doesNotMatch(res.body, /tttt|SECRET/, 'the URL is not echoed');
    const text = (await metrics.render()).body;
    assert.match(text, /agentmesh_http_requests_total\{role="test-role",method="GET",route="__not_found__",status="404"\} 1/);
  });

  test('maxParamLength is an option: a route then sees the long id and decides', async (t) => {
    const { app } = testServer({ maxParamLength: 500 });
    t.after(() => app.close());
    app.get('/tasks/:id', async (request) => ({ length: (request.params as { id: string }).id.length }));
    const res = await app.inject({ method: 'GET', url: `/tasks/${'x'.repeat(400)}` });
    assert.deepEqual(res.json(), { length: 400 });
  });

  test('a URL that is not valid percent-encoding is 400 INVALID_REQUEST', async (t) => {
    const { app } = testServer();
    t.after(() => app.close());
    app.get('/v1/clients/:id', async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: '/v1/clients/%E0%A4%A' });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.details[0].reason, 'AM_ERR_PROTOCOL_INVALID_REQUEST');
    assert.equal(body.error.details[0].metadata.requestId, res.headers['x-request-id']);
  });

  test('a URL over the header limit is 414, a header block over it 431, malformed HTTP 400, written on the socket', async (t) => {
    const { app, logs } = testServer();
    t.after(() => app.close());
    app.get('/in', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };

    const longUrl = parseRaw(await rawRequest(port, `GET /in?access_token=SECRET&x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: h\r\n\r\n`));
    assert.equal(longUrl.status, 414);
    assert.equal(longUrl.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(longUrl.headers['connection'], 'close');
    assert.equal(longUrl.body.error.code, 414);
    assert.equal(longUrl.body.error.status, 'INVALID_ARGUMENT');
    assert.deepEqual(longUrl.body.error.details, [{ '@type': ERROR_INFO, reason: 'AM_ERR_HTTP_URI_TOO_LONG', domain: 'agentmesh.dev', metadata: { requestId: longUrl.headers['x-request-id'] } }]);

    const bigHeaders = parseRaw(await rawRequest(port, `GET /in HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    assert.equal(bigHeaders.status, 431);
    assert.equal(bigHeaders.body.error.details[0].reason, 'AM_ERR_HTTP_HEADERS_TOO_LARGE');

    const garbage = parseRaw(await rawRequest(port, 'BLAH /in HTTP/1.1\r\nHost: h\r\n\r\n'));
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error.details[0].reason, 'AM_ERR_PROTOCOL_INVALID_REQUEST');
    assert.equal(garbage.headers['x-content-type-options'], 'nosniff');

    const rejected = logs().filter((l) => l['msg'] === 'request rejected');
    assert.deepEqual(rejected.map((l) => [l['code'], l['statusCode']]), [['AM_ERR_HTTP_URI_TOO_LONG', 414], ['AM_ERR_HTTP_HEADERS_TOO_LARGE', 431], ['AM_ERR_PROTOCOL_INVALID_REQUEST', 400]]);
    assert.doesNotMatch(JSON.stringify(logs()), /SECRET/);

    // The server still serves.
    const ok = await fetch(`http://127.0.0.1:${port}/in`);
    assert.equal(ok.status, 200);
  });
});
