import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tckAgent from '../../../examples/conformance-agent/agent.js';
import { readSse, rpc, startRuntime } from '../../helpers/runtime-fixture.js';

/*
 * The agent the official conformance suite runs against (docs/conformance.md,
 * "The official conformance suite") does what the suite's scenarios ask for
 * each messageId prefix: these pin the scenarios whose answer is not a plain
 * completed task, so the agent cannot drift from them unnoticed.
 */

function message(prefix: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messageId: `${prefix}-${crypto.randomUUID()}`, role: 'ROLE_USER', parts: [{ text }], ...extra };
}

describe('the conformance agent under test', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    env = await startRuntime([tckAgent]);
  });
  after(async () => {
    await env?.close();
  });

  test('tck-message-response answers with a Message and no task', async () => {
    const { body } = await rpc(env.url, 'SendMessage', { message: message('tck-message-response', 'hi') });
    assert.equal(body.result.task, undefined);
    assert.equal(body.result.message.role, 'ROLE_AGENT');
    assert.deepEqual(body.result.message.parts, [{ text: 'Direct message response' }]);
  });

  test('tck-reject-task ends the task rejected', async () => {
    const { body } = await rpc(env.url, 'SendMessage', { message: message('tck-reject-task', 'hi') });
    assert.equal(body.result.task.status.state, 'TASK_STATE_REJECTED');
  });

  test('tck-input-required asks, asks again for a follow-up with the same prefix, and completes on tck-complete-task', async () => {
    const first = await rpc(env.url, 'SendMessage', { message: message('tck-input-required', 'start') });
    const taskId = first.body.result.task.id as string;
    assert.equal(first.body.result.task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const again = await rpc(env.url, 'SendMessage', { message: message('tck-input-required', 'history 1', { taskId }) });
    assert.equal(again.body.result.task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const done = await rpc(env.url, 'SendMessage', { message: message('tck-complete-task', 'done', { taskId }) });
    assert.equal(done.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(done.body.result.task.artifacts[0].parts[0].text, 'Hello from TCK');
    const texts = (done.body.result.task.history as Array<{ role: string; parts: Array<{ text?: string }> }>).filter((m) => m.role === 'ROLE_USER').map((m) => m.parts[0]?.text);
    assert.deepEqual(texts, ['start', 'history 1', 'done']);
  });

  test('tck-stream-artifact-chunked streams working, two chunks of one artifact, the last marked, then completed', async () => {
    const response = await fetch(env.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: message('tck-stream-artifact-chunked', 'go') } }),
    });
    const results = (await readSse(response)).map((f) => f.data.result);
    const chunks = results.filter((r) => r.artifactUpdate).map((r) => r.artifactUpdate);
    assert.deepEqual(chunks.map((c) => c.artifact.parts[0].text), ['chunk-1 ', 'chunk-2']);
    assert.equal(chunks[0].artifact.artifactId, chunks[1].artifact.artifactId);
    assert.equal(chunks[1].append, true);
    assert.equal(chunks[1].lastChunk, true);
    const states = results.filter((r) => r.statusUpdate).map((r) => r.statusUpdate.status.state);
    assert.equal(states[0], 'TASK_STATE_WORKING');
    assert.equal(states.at(-1), 'TASK_STATE_COMPLETED');
  });

  test('tck-artifact-file and tck-artifact-data carry the parts the scenarios name', async () => {
    const file = await rpc(env.url, 'SendMessage', { message: message('tck-artifact-file', 'x') });
    const part = file.body.result.task.artifacts[0].parts[0];
    assert.equal(Buffer.from(part.raw, 'base64').toString(), 'tck');
    assert.equal(part.mediaType, 'text/plain');
    assert.equal(part.filename, 'output.txt');
    const data = await rpc(env.url, 'SendMessage', { message: message('tck-artifact-data', 'x') });
    assert.deepEqual(data.body.result.task.artifacts[0].parts[0].data, { key: 'value', count: 42 });
  });
});
