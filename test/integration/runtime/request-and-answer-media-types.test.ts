/**
 * The media types of requests and answers (docs/conformance.md, "A request
 * body that is not JSON" and "HTTP+JSON answers in the client's media
 * type"): a body sent as text/plain is A2A's content-type error (-32005 in
 * JSON-RPC, 415 in HTTP+JSON), and HTTP+JSON answers, results and errors,
 * in the media type the client used.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const A2A = 'application/a2a+json';
const JSON_TYPE = 'application/json';

/** The type of an answer without its parameters (Fastify adds `charset=utf-8` to application/json). */
const typeOf = (res: Response) => (res.headers.get('content-type') ?? '').split(';')[0];

/** A POST without any Content-Type (fetch would label a string body text/plain). */
function postUntyped(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'a2a-version': '1.0', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface StatusBody {
  error: { code: number; status: string; details: Array<{ '@type': string; reason?: string; domain?: string }> };
}

describe('request and answer media types', () => {
  const env = startedForSuite(() => startRuntime());

  const rpcBody = () => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: userMessage('typed') } });
  const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${env().url}${path}`, { method: 'POST', headers: { 'a2a-version': '1.0', ...headers }, body });

  test('JSON-RPC: a body sent as text/plain or as a form gets -32005 (content type not supported), not -32700', async () => {
    // What a client that stringifies its payload sends: not even JSON. The content type alone decides.
    for (const [type, body] of [['text/plain', "{'jsonrpc': '2.0', 'id': 1}"], ['text/plain; charset=utf-8', rpcBody()], ['application/x-www-form-urlencoded', rpcBody()]] as const) {
      const res = await post('/', { 'content-type': type }, body);
      assert.equal(res.status, 200, `${type}: A2A errors are answered in band (A2A §9.4)`);
      const json = (await res.json()) as { id: unknown; error: { code: number; data: Array<{ reason?: string; domain?: string }> } };
      assert.equal(json.error.code, -32005, type);
      assert.equal(json.id, null);
      assert.deepEqual(json.error.data.filter((d) => d.reason !== undefined).map((d) => [d.reason, d.domain]), [['CONTENT_TYPE_NOT_SUPPORTED', 'a2a-protocol.org']]);
    }
  });

  test('JSON-RPC: application/json with parameters, a +json type and no Content-Type at all are read as JSON', async () => {
    for (const headers of [{ 'content-type': 'Application/JSON; charset=utf-8' }, { 'content-type': A2A }]) {
      const res = await post('/', headers, rpcBody());
      const json = (await res.json()) as { result?: { task?: { status: { state: string } } } };
      assert.equal(json.result?.task?.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(headers));
    }
    const untyped = JSON.parse(await postUntyped(env().url, rpcBody())) as { result?: { task?: { status: { state: string } } } };
    assert.equal(untyped.result?.task?.status.state, 'TASK_STATE_COMPLETED', 'no Content-Type');
  });

  test('HTTP+JSON: a body sent as text/plain is 415 with the A2A reason CONTENT_TYPE_NOT_SUPPORTED, on every route with a body', async () => {
    const task = (await (await post('/message:send', { 'content-type': A2A }, JSON.stringify({ message: userMessage('a task') }))).json()) as { task: { id: string } };
    const cases = [
      ['/message:send', JSON.stringify({ message: userMessage('plain') })],
      ['/message:stream', JSON.stringify({ message: userMessage('plain') })],
      [`/tasks/${task.task.id}/pushNotificationConfigs`, JSON.stringify({ url: 'https://example.com/hook' })],
    ] as const;
    for (const [path, body] of cases) {
      const res = await post(path, { 'content-type': 'text/plain' }, body);
      assert.equal(res.status, 415, path);
      const json = (await res.json()) as StatusBody;
      assert.equal(json.error.code, 415);
      assert.equal(json.error.status, 'INVALID_ARGUMENT');
      const info = json.error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
      assert.equal(info?.reason, 'CONTENT_TYPE_NOT_SUPPORTED', path);
      assert.equal(info?.domain, 'a2a-protocol.org');
    }
  });

  test('HTTP+JSON answers in the type of the Accept header, else of the Content-Type, else application/json', async () => {
    const body = JSON.stringify({ message: userMessage('negotiated') });
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'content-type': JSON_TYPE, accept: JSON_TYPE }, JSON_TYPE],
      [{ 'content-type': JSON_TYPE, accept: A2A }, A2A],
      [{ 'content-type': A2A, accept: JSON_TYPE }, JSON_TYPE],
      [{ 'content-type': JSON_TYPE, accept: '*/*' }, JSON_TYPE],
      [{ 'content-type': `${A2A}; charset=utf-8`, accept: '*/*' }, A2A],
      [{ 'content-type': JSON_TYPE, accept: `${A2A};q=0.5, ${JSON_TYPE}` }, JSON_TYPE],
      [{ 'content-type': JSON_TYPE, accept: 'text/html, application/*' }, JSON_TYPE],
    ];
    for (const [headers, expected] of cases) {
      const res = await post('/message:send', headers, body);
      assert.equal(res.status, 200);
      assert.equal(typeOf(res), expected, JSON.stringify(headers));
      assert.equal(((await res.json()) as { task: { status: { state: string } } }).task.status.state, 'TASK_STATE_COMPLETED');
    }
    const get = (accept?: string) => fetch(`${env().url}/tasks`, { headers: { 'a2a-version': '1.0', ...(accept !== undefined && { accept }) } });
    assert.equal(typeOf(await get()), JSON_TYPE, 'a GET that names neither gets application/json');
    assert.equal(typeOf(await get('*/*')), JSON_TYPE, 'so does one that accepts anything');
    assert.equal(typeOf(await get(A2A)), A2A);
    assert.equal(typeOf(await get(JSON_TYPE)), JSON_TYPE);
  });

  test('HTTP+JSON errors follow the client media type too; streams stay text/event-stream', async () => {
    const missing = await fetch(`${env().url}/tasks/no-such-task`, { headers: { 'a2a-version': '1.0', accept: JSON_TYPE } });
    assert.equal(missing.status, 404);
    assert.equal(typeOf(missing), JSON_TYPE);
    assert.equal(((await missing.json()) as StatusBody).error.code, 404);
    const invalid = await post('/message:send', { 'content-type': JSON_TYPE }, '{"message":{}}');
    assert.equal(invalid.status, 400);
    assert.equal(typeOf(invalid), JSON_TYPE);
    const plain = await post('/message:send', { 'content-type': 'text/plain' }, '{}');
    assert.equal(typeOf(plain), JSON_TYPE, 'a refused media type is not echoed back');
    const stream = await post('/message:stream', { 'content-type': JSON_TYPE, accept: JSON_TYPE }, JSON.stringify({ message: userMessage('streamed') }));
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    await stream.body?.cancel();
  });
});
