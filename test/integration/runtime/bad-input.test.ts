import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const HEADERS = { 'content-type': 'application/json', 'A2A-Version': '1.0' };

type RpcResult = Awaited<ReturnType<typeof rpc>>;

/** POSTs a raw body (not necessarily valid JSON-RPC) and returns the parsed answer. */
async function raw(url: string, body: string, headers: Record<string, string> = HEADERS): Promise<RpcResult> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.json() };
}

/** Asserts a JSON-RPC error response with this code, and optionally a message naming the field. */
function expectError(result: RpcResult, code: number, field?: RegExp): void {
  assert.equal(result.body.jsonrpc, '2.0');
  assert.equal(result.body.result, undefined);
  assert.equal(result.body.error?.code, code, `expected ${code}, got ${JSON.stringify(result.body)}`);
  if (field) assert.match(result.body.error.message, field);
}

describe('JSON-RPC v1 bad input', () => {
  const runtime = startedForSuite(() => startRuntime());

  test('malformed JSON is -32700 with a null id', async () => {
    const result = await raw(runtime().url, '{"jsonrpc":"2.0","id":1,"method":');
    expectError(result, -32700);
    assert.equal(result.body.id, null);
  });

  test('a bad envelope is -32600: wrong jsonrpc, missing method, object id', async () => {
    const wrongVersion = await raw(runtime().url, JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'GetTask', params: { id: 'x' } }));
    expectError(wrongVersion, -32600, /jsonrpc/);
    assert.equal(wrongVersion.body.id, 1, 'a valid id is echoed even when the envelope is refused');
    expectError(await raw(runtime().url, JSON.stringify({ jsonrpc: '2.0', id: 2, params: {} })), -32600, /method/);
    const objectId = await raw(runtime().url, JSON.stringify({ jsonrpc: '2.0', id: { a: 1 }, method: 'GetTask', params: { id: 'x' } }));
    expectError(objectId, -32600, /id/);
    assert.equal(objectId.body.id, null, 'an invalid id is answered with null');
  });

  test('an unknown method is -32601', async () => {
    expectError(await rpc(runtime().url, 'StealTasks', {}), -32601, /StealTasks/);
  });

  test('params as an array is -32602', async () => {
    expectError(await raw(runtime().url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'GetTask', params: ['x'] })), -32602, /params/);
  });

  test('invalid enum values are -32602 naming the field', async () => {
    expectError(await rpc(runtime().url, 'SendMessage', { message: { ...userMessage('x'), role: 'ROLE_BOSS' } }), -32602, /message\.role/);
    expectError(await rpc(runtime().url, 'ListTasks', { status: 'DONE' }), -32602, /status/);
  });

  test('out-of-range historyLength and pageSize are -32602 naming the field', async () => {
    expectError(await rpc(runtime().url, 'GetTask', { id: 'x', historyLength: -1 }), -32602, /historyLength/);
    expectError(await rpc(runtime().url, 'GetTask', { id: 'x', historyLength: 1e12 }), -32602, /historyLength/);
    expectError(await rpc(runtime().url, 'ListTasks', { pageSize: 0 }), -32602, /pageSize/);
    expectError(await rpc(runtime().url, 'ListTasks', { pageSize: 1000 }), -32602, /pageSize/);
  });

  test('a non-timestamp statusTimestampAfter is -32602 naming the field', async () => {
    expectError(await rpc(runtime().url, 'ListTasks', { statusTimestampAfter: 'yesterday' }), -32602, /statusTimestampAfter/);
  });

  test('an unknown task id is -32001', async () => {
    expectError(await rpc(runtime().url, 'GetTask', { id: 'does-not-exist' }), -32001, /does-not-exist/);
    expectError(await rpc(runtime().url, 'CancelTask', { id: 'does-not-exist' }), -32001);
  });

  test('a message to a terminal task is -32004; a contextId mismatch is -32602', async () => {
    const done = await rpc(runtime().url, 'SendMessage', { message: userMessage('finish') });
    const task = done.body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    expectError(await rpc(runtime().url, 'SendMessage', { message: userMessage('more', { taskId: task.id }) }), -32004);
    const asking = (await rpc(runtime().url, 'SendMessage', { message: userMessage('hi', { metadata: { skillId: 'ask' } }) })).body.result.task;
    assert.equal(asking.status.state, 'TASK_STATE_INPUT_REQUIRED');
    expectError(await rpc(runtime().url, 'SendMessage', { message: userMessage('Bob', { taskId: asking.id, contextId: 'somebody-else' }) }), -32602, /contextId/);
  });

  test('a body over 1 MiB is HTTP 413 with a clear error, and the server keeps answering', async () => {
    const response = await fetch(runtime().url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'SendMessage', params: { message: userMessage('x'.repeat(1_100_000)) } }) });
    assert.equal(response.status, 413);
    const body = (await response.json()) as { jsonrpc: string; id: null; error: { code: number; message: string } };
    assert.equal(body.jsonrpc, '2.0', 'the JSON-RPC endpoint answers in a JSON-RPC envelope');
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /larger than the server accepts/);
    const after = await rpc(runtime().url, 'SendMessage', { message: userMessage('still here') });
    assert.equal(after.body.result.task.status.state, 'TASK_STATE_COMPLETED');
  });

  test('an unsupported A2A-Version is -32009 listing the supported versions', async () => {
    const result = await rpc(runtime().url, 'GetTask', { id: 'x' }, { 'A2A-Version': '9.9' });
    expectError(result, -32009, /9\.9/);
    assert.match(result.body.error.message, /1\.0/);
  });

  test('after all of the above, a normal SendMessage still completes', async () => {
    const { status, body } = await rpc(runtime().url, 'SendMessage', { message: userMessage('alive') });
    assert.equal(status, 200);
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(body.result.task.artifacts[0].parts[0].text, 'alive');
  });
});

describe('JSON-RPC v1 push config SSRF guard (no allowHosts)', () => {
  const env = startedForSuite(() => startRuntime());

  test('push config URLs at link-local or private addresses are -32602 naming the url', async () => {
    const started = await rpc(env().url, 'SendMessage', { message: userMessage('hold', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    const taskId = started.body.result.task.id;
    try {
      for (const target of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/hook']) {
        const result = await rpc(env().url, 'CreateTaskPushNotificationConfig', { taskId, url: target });
        expectError(result, -32602, /url/i);
      }
      const listed = await rpc(env().url, 'ListTaskPushNotificationConfigs', { taskId });
      assert.deepEqual(listed.body.result.configs ?? [], [], 'nothing was stored');
    } finally {
      await rpc(env().url, 'CancelTask', { id: taskId });
    }
    const ok = await rpc(env().url, 'SendMessage', { message: userMessage('alive') });
    assert.equal(ok.body.result.task.status.state, 'TASK_STATE_COMPLETED');
  });
});
