/**
 * Through the gateway as directly (docs/conformance.md): a body that is not
 * sent as JSON gets the same content-type error, HTTP+JSON answers (results
 * and errors) come in the same negotiated media type, a push config is
 * deleted idempotently, a webhook host that does not resolve is accepted,
 * a task is subscribed to with GET as with POST, and the gateway's card carries Last-Modified and answers conditional GETs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAsDirectlyPair } from '../../helpers/gateway-mesh.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

interface Answer {
  status: number;
  type: string;
  /** JSON-RPC error code, google.rpc status, or the task state. */
  outcome: unknown;
  reason: unknown;
}

describe('media types, push config deletes and card validators through the gateway, as directly', () => {
  // Direct calls carry what the gateway would send: its assertion of the same tenant and scopes.
  const pair = startedForSuite(() => startAsDirectlyPair('typist', ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write']));

  const call = async (base: string, authorization: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'a2a-version': '1.0', authorization, ...headers }, ...(body !== undefined && { body }) });
    const text = await res.text();
    const json = (text === '' ? {} : JSON.parse(text)) as any;
    const details: Array<{ reason?: string }> = json.error?.data ?? json.error?.details ?? [];
    return {
      status: res.status,
      type: (res.headers.get('content-type') ?? '').split(';')[0]!,
      outcome: json.error?.code ?? json.task?.status?.state ?? json.result?.task?.status?.state ?? (json.result === null ? null : undefined),
      reason: details.find((d) => d.reason !== undefined)?.reason,
    };
  };
  const both = async (method: string, path: string, headers: Record<string, string>, body?: string) => ({
    direct: await call(pair().direct, `Bearer ${pair().assertion}`, method, path, headers, body),
    through: await call(pair().through, `Bearer ${pair().token}`, method, path, headers, body),
  });
  const message = (text: string) => ({ messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], metadata: { skillId: 'echo' } });
  const startWait = async (): Promise<string> => {
    const res = await fetch(`${pair().through}/message:send`, { method: 'POST', headers: { 'a2a-version': '1.0', 'content-type': 'application/json', authorization: `Bearer ${pair().token}` }, body: JSON.stringify({ message: { ...message('hold'), metadata: { skillId: 'wait' } }, configuration: { returnImmediately: true } }) });
    return ((await res.json()) as { task: { id: string } }).task.id;
  };

  test('a body sent as text/plain: -32005 in JSON-RPC, 415 in HTTP+JSON, the same both ways', async () => {
    const rpc = await both('POST', '/', { 'content-type': 'text/plain' }, "{'jsonrpc': '2.0', 'id': 1, 'method': 'SendMessage'}");
    assert.deepEqual(rpc.through, rpc.direct);
    assert.deepEqual(rpc.through, { status: 200, type: 'application/json', outcome: -32005, reason: 'CONTENT_TYPE_NOT_SUPPORTED' });
    const taskId = await startWait();
    for (const path of ['/message:send', '/message:stream', `/tasks/${taskId}/pushNotificationConfigs`]) {
      const rest = await both('POST', path, { 'content-type': 'text/plain' }, JSON.stringify({ message: message('plain'), url: 'https://example.com/hook' }));
      assert.deepEqual(rest.through, rest.direct, path);
      assert.deepEqual(rest.through, { status: 415, type: 'application/json', outcome: 415, reason: 'CONTENT_TYPE_NOT_SUPPORTED' }, path);
    }
  });

  test('HTTP+JSON answers, results and errors, in the media type the client used, the same both ways', async () => {
    const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
      ['POST', '/message:send', { 'content-type': 'application/json' }, JSON.stringify({ message: message('json') })],
      ['POST', '/message:send', { 'content-type': 'application/json', accept: 'application/a2a+json' }, JSON.stringify({ message: message('a2a') })],
      ['POST', '/message:send', { 'content-type': 'application/a2a+json', accept: 'application/json' }, JSON.stringify({ message: message('json') })],
      ['POST', '/message:send', { 'content-type': 'application/json' }, '{"message":{}}'],
      // Refused by the gateway's own validation: in the client's type as the agent would.
      ['POST', '/message:send', { 'content-type': 'application/a2a+json' }, '{"message":{}}'],
      ['POST', '/message:send', { 'content-type': 'application/a2a+json', accept: 'application/json' }, '{"message":{}}'],
      ['GET', '/tasks/no-such-task', { accept: 'application/json' }, undefined],
      ['GET', '/tasks/no-such-task', {}, undefined],
    ];
    for (const [method, path, headers, body] of cases) {
      const { direct: d, through: t } = await both(method, path, headers, body);
      assert.deepEqual(t, d, `${method} ${path} ${JSON.stringify(headers)}`);
    }
    // The gateway's own refusal (no valid credential) as the agent's own: its status, in the client's type.
    for (const accept of ['application/json', 'application/a2a+json']) {
      const d = await call(pair().direct, 'Bearer not-a-token', 'GET', '/tasks', { accept });
      const t = await call(pair().through, 'Bearer not-a-token', 'GET', '/tasks', { accept });
      assert.deepEqual([t.status, t.type], [d.status, d.type], accept);
      assert.deepEqual([t.status, t.type], [401, accept]);
    }
    const json = await both('POST', '/message:send', { 'content-type': 'application/json' }, JSON.stringify({ message: message('json') }));
    assert.equal(json.through.type, 'application/json');
    assert.equal(json.through.outcome, 'TASK_STATE_COMPLETED');
  });

  test('a push config is deleted twice, both times successfully; an unresolvable webhook host is accepted', async () => {
    const taskId = await startWait();
    const create = await both('POST', `/tasks/${taskId}/pushNotificationConfigs`, { 'content-type': 'application/json' }, JSON.stringify({ id: 'twice', url: 'https://receiver.invalid/hook' }));
    assert.equal(create.direct.status, 201);
    assert.equal(create.through.status, 201);
    for (let i = 0; i < 2; i++) {
      const rest = await both('DELETE', `/tasks/${taskId}/pushNotificationConfigs/twice`, {});
      assert.deepEqual([rest.direct.status, rest.through.status], [204, 204]);
      const rpc = await both('POST', '/', { 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: i, method: 'DeleteTaskPushNotificationConfig', params: { taskId, id: 'twice' } }));
      assert.deepEqual(rpc.through, rpc.direct);
      assert.deepEqual(rpc.through, { status: 200, type: 'application/json', outcome: null, reason: undefined });
    }
  });

  test("GET /tasks/{id}:subscribe, the proto's form: a stream of the task, and TASK_NOT_FOUND for an unknown one, the same both ways", async () => {
    const unknown = await both('GET', `/tasks/${crypto.randomUUID()}:subscribe`, {});
    assert.deepEqual(unknown.through, unknown.direct);
    assert.deepEqual([unknown.through.status, unknown.through.reason], [404, 'TASK_NOT_FOUND']);
    const id = await startWait();
    const stream = await fetch(`${pair().through}/tasks/${id}:subscribe`, { headers: { 'a2a-version': '1.0', authorization: `Bearer ${pair().token}` } });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('content-type'), 'text/event-stream');
    const canceled = await fetch(`${pair().through}/tasks/${id}:cancel`, { method: 'POST', headers: { 'a2a-version': '1.0', authorization: `Bearer ${pair().token}` } });
    assert.equal(canceled.status, 200);
    const text = await stream.text();
    assert.match(text, new RegExp(`"id":"${id}"`));
    assert.match(text, /TASK_STATE_CANCELED/);
  });

  test("the gateway's card carries Last-Modified and answers If-Modified-Since and If-None-Match with 304", async () => {
    for (const version of [{ 'a2a-version': '1.0' }, { 'a2a-version': '0.3' }]) {
      const cardUrl = `${pair().through}/.well-known/agent-card.json`;
      const first = await fetch(cardUrl, { headers: version });
      assert.equal(first.status, 200);
      await first.json();
      const modified = first.headers.get('last-modified');
      assert.ok(modified !== null && Number.isFinite(Date.parse(modified)), `Last-Modified: ${modified}`);
      const since = await fetch(cardUrl, { headers: { ...version, 'if-modified-since': modified } });
      assert.equal(since.status, 304);
      assert.equal(since.headers.get('last-modified'), modified, 'unchanged while the card is');
      const matched = await fetch(cardUrl, { headers: { ...version, 'if-none-match': first.headers.get('etag')! } });
      assert.equal(matched.status, 304);
      const earlier = await fetch(cardUrl, { headers: { ...version, 'if-modified-since': new Date(Date.parse(modified) - 1000).toUTCString() } });
      assert.equal(earlier.status, 200);
      await earlier.json();
    }
  });
});
