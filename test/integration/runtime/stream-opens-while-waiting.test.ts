/**
 * A stream with nothing to send yet still answers at once: a resumed
 * subscription (Last-Event-ID) to a task with no new event, on either
 * binding, gets its headers and a comment frame within about a second, so a
 * client and the load balancers between do not take a quiet stream for a dead
 * one (a task whose replica died sends nothing until it is recovered). A
 * stream whose first event is ready opens with it, as before.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_EVENT_WAIT_MS } from '../../../src/http/index.js';
import { rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';

let host: Awaited<ReturnType<typeof startRuntime>>;
let taskId: string;
let lastSeq: string;

before(async () => {
  host = await startRuntime();
  const sent = await rpc(host.url, 'SendMessage', { message: userMessage('hold', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
  taskId = sent.body.result.task.id;
  // The id of the newest event: a subscription from there has nothing to replay.
  const res = await fetch(`${host.url}/tasks/${taskId}:subscribe`, { method: 'POST', headers: { 'a2a-version': '1.0', accept: 'text/event-stream' } });
  const reader = res.body!.getReader();
  let text = '';
  while (!/\nid: ?\d+/.test(text) && !/^id: ?\d+/m.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  lastSeq = /^id: ?(\d+)/m.exec(text)![1]!;
  await reader.cancel();
});
after(async () => {
  await rpc(host.url, 'CancelTask', { id: taskId }).catch(() => undefined);
  await host?.close();
});

/** Time to the response headers and to the first bytes of the body, ms. */
async function timeToOpen(request: () => Promise<Response>): Promise<{ headersMs: number; firstBytesMs: number; first: string }> {
  const started = performance.now();
  const res = await request();
  const headersMs = performance.now() - started;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  const chunk = await reader.read();
  const firstBytesMs = performance.now() - started;
  await reader.cancel();
  return { headersMs, firstBytesMs, first: new TextDecoder().decode(chunk.value) };
}

for (const binding of ['HTTP+JSON', 'JSON-RPC'] as const) {
  test(`${binding}: a resumed subscription with nothing new opens at once, with a comment frame`, async () => {
    const resumed = await timeToOpen(() =>
      binding === 'HTTP+JSON'
        ? fetch(`${host.url}/tasks/${taskId}:subscribe`, { method: 'POST', headers: { 'a2a-version': '1.0', accept: 'text/event-stream', 'last-event-id': lastSeq } })
        : fetch(host.url, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', accept: 'text/event-stream', 'last-event-id': lastSeq }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: taskId } }) }),
    );
    assert.ok(resumed.headersMs < FIRST_EVENT_WAIT_MS + 2000, `headers after ${resumed.headersMs.toFixed(0)} ms`);
    assert.match(resumed.first, /^: /, 'a comment frame, not an event');
  });
}

test('a stream whose first event is ready opens with it', async () => {
  const fresh = await timeToOpen(() => fetch(`${host.url}/tasks/${taskId}:subscribe`, { method: 'POST', headers: { 'a2a-version': '1.0', accept: 'text/event-stream' } }));
  assert.match(fresh.first, /"task"/);
  assert.ok(fresh.headersMs < FIRST_EVENT_WAIT_MS, `headers after ${fresh.headersMs.toFixed(0)} ms`);
});
