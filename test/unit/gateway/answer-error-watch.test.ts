import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerErrorWatch } from '../../../src/gateway/answer-error-watch.js';

const NOT_FOUND = { code: -32001, message: 'Task t was not found', data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org', metadata: { code: 'AM_ERR_TASK_NOT_FOUND' } }] };
const frame = (data: unknown): string => `event: message\ndata: ${JSON.stringify(data)}\n\n`;
const working = { jsonrpc: '2.0', id: 1, result: { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING', message: { parts: [{ text: 'data: {"error":1}' }] } } } } };

/** What the watch says of `text` answered with `status`, fed in pieces of `size` bytes. */
function watched(text: string, status: number, jsonRpc: boolean, size = Infinity): unknown {
  const watch = new AnswerErrorWatch(jsonRpc);
  const bytes = Buffer.from(text);
  const step = Math.min(size, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) watch.onChunk(bytes.subarray(i, i + step));
  return watch.error(status);
}

test('a JSON-RPC result is no error; a JSON-RPC error answered with HTTP 200 is, whole or in pieces', () => {
  assert.equal(watched(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: 't', error: 'none' } } }), 200, true), undefined);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'x', error: NOT_FOUND });
  assert.deepEqual(watched(body, 200, true), NOT_FOUND);
  assert.deepEqual(watched(body, 200, true, 64), NOT_FOUND);
});

test('an HTTP+JSON answer is an error by its status, its google.rpc.Status read for the code', () => {
  const status = { error: { code: 404, status: 'NOT_FOUND', message: 'Task t was not found', details: NOT_FOUND.data } };
  assert.deepEqual(watched(JSON.stringify(status), 404, false, 10), status.error);
  assert.equal(watched(JSON.stringify({ id: 't', status: { state: 'TASK_STATE_COMPLETED' } }), 200, false), undefined);
  assert.equal(watched('<html>bad gateway</html>', 502, false), null, 'an error whose body says nothing');
});

test('a JSON-RPC stream whose last event is an error is an error, however the socket cuts it', () => {
  const text = frame(working) + frame(working) + frame({ jsonrpc: '2.0', id: 1, error: NOT_FOUND });
  for (let size = 1; size <= text.length; size += size < 40 ? 1 : 37) assert.deepEqual(watched(text, 200, true, size), NOT_FOUND, `pieces of ${size}`);
});

test('a JSON-RPC stream of results is no error, even when a result mentions one', () => {
  const text = frame(working).repeat(3);
  for (const size of [1, 5, 13, 64, Infinity]) assert.equal(watched(text, 200, true, size), undefined, `pieces of ${size}`);
});

test("an HTTP+JSON stream whose last event is an error is an error, as a JSON-RPC stream's is, however the socket cuts it", () => {
  const status = { error: { code: 500, status: 'INTERNAL', message: 'Internal error (request id r)', details: [] } };
  const update = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING', message: { parts: [{ text: 'data: {"error":1}' }] } } } };
  const ended = frame(update) + frame(status);
  for (let size = 1; size <= ended.length; size += size < 40 ? 1 : 37) {
    const watch = new AnswerErrorWatch(false);
    const bytes = Buffer.from(ended);
    for (let i = 0; i < bytes.length; i += size) watch.onChunk(bytes.subarray(i, i + size));
    assert.equal(watch.streamed, true);
    assert.deepEqual(watch.error(200), status.error, `pieces of ${size}`);
  }
  const clean = new AnswerErrorWatch(false);
  clean.onChunk(Buffer.from(frame(update).repeat(3)));
  assert.equal(clean.error(200), undefined);
});

test('a stream whose last event is typed `error` is an error on every binding, its bare v0.3 body too, however the socket cuts it', () => {
  const update = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } };
  const bare = { code: -32603, message: 'Internal error (request id r)' };
  const status = { error: { code: 500, status: 'INTERNAL', message: 'Internal error (request id r)', details: [] } };
  const typed = (data: unknown): string => `event: error\ndata: ${JSON.stringify(data)}\n\n`;
  const cases: Array<[string, boolean, unknown]> = [
    // v0.3 HTTP+JSON, as the SDK's router sends it: no `error` key to find, only the event's type.
    [frame(update) + typed(bare), false, bare],
    // v1 HTTP+JSON, as the SDK's server and ours send it.
    [`id: 3\ndata: ${JSON.stringify(update)}\n\nid: 4\n` + typed(status), false, status.error],
    [frame(working) + typed({ jsonrpc: '2.0', id: 1, error: NOT_FOUND }), true, NOT_FOUND],
    // Typed an error, its data unreadable: an error of no known code.
    [frame(update) + 'event:error\ndata: not json\n\n', false, {}],
  ];
  for (const [text, jsonRpc, expected] of cases) {
    for (let size = 1; size <= text.length; size += size < 40 ? 1 : 37) assert.deepEqual(watched(text, 200, jsonRpc, size), expected, `${text} in pieces of ${size}`);
  }
  // Another type is no error, whatever its name begins with.
  assert.equal(watched(`event: errors\ndata: ${JSON.stringify(bare)}\n\n` + frame(update), 200, false, 7), undefined);
});

test('an event typed `error` after its `data:` line is read with its data, its code kept, however the socket cuts it', () => {
  const update = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } };
  const bare = { code: -32603, message: 'Internal error (request id r)', data: [{ reason: 'HTTP_UNAVAILABLE' }] };
  const status = { error: { code: 503, status: 'UNAVAILABLE', message: 'Shutting down', details: [] } };
  const after = (data: unknown, eol = '\n'): string => `data: ${JSON.stringify(data)}${eol}event: error${eol}${eol}`;
  const cases: Array<[string, boolean, unknown]> = [
    [frame(update) + after(bare), false, bare],
    [`id: 3\ndata: ${JSON.stringify(update)}\n\nid: 4\n` + after(status), false, status.error],
    [frame(working) + after({ jsonrpc: '2.0', id: 1, error: NOT_FOUND }), true, NOT_FOUND],
    [frame(update).replaceAll('\n', '\r\n') + after(bare, '\r\n'), false, bare],
  ];
  for (const [text, jsonRpc, expected] of cases) {
    for (let size = 1; size <= text.length; size += size < 40 ? 1 : 37) assert.deepEqual(watched(text, 200, jsonRpc, size), expected, `${JSON.stringify(text)} in pieces of ${size}`);
  }
});

test('an event typed `error` begun in an earlier chunk too long to carry is held from its `event:` line, wherever that chunk ends', () => {
  const update = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } };
  // Its data lines joined are no JSON (WHATWG SSE): an error of no known code, never its last data line read alone.
  const long = `data: {"note":"${'x'.repeat(AnswerErrorWatch.CARRY_LIMIT + 100)}"}`;
  const text = frame(update) + `${long}\ndata: {"code":-32603,"message":"Internal error"}\nevent: error\n\n`;
  // Cut inside the long line, so the chunk with `event: error` does not begin its event.
  for (const cut of [frame(update).length + 10, frame(update).length + 200, frame(update).length + long.length - 5]) {
    const watch = new AnswerErrorWatch(false);
    const bytes = Buffer.from(text);
    watch.onChunk(bytes.subarray(0, cut));
    watch.onChunk(bytes.subarray(cut));
    assert.deepEqual(watch.error(200), {}, `cut at ${cut}`);
  }
  // A rest longer than an error body can be is not held, so the event is still read as typed `error`.
  const huge = `data: {"note":"${'x'.repeat(2 * AnswerErrorWatch.LIMIT)}"}\nevent: error\n\n`;
  const cut = AnswerErrorWatch.CARRY_LIMIT + 100;
  const watch = new AnswerErrorWatch(false);
  watch.onChunk(Buffer.from(frame(update) + huge.slice(0, cut)));
  watch.onChunk(Buffer.from(huge.slice(cut)));
  assert.deepEqual(watch.error(200), {});
});
