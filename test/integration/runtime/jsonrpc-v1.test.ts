import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('JSON-RPC v1 binding', () => {
  const runtime = startedForSuite(() => startRuntime());

  test('SendMessage blocks until the task completes and returns its artifact', async () => {
    const { body } = await rpc(runtime().url, 'SendMessage', { message: userMessage('hello') });
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.artifacts[0].parts[0].text, 'hello');
    assert.equal(task.history[0].parts[0].text, 'hello');
  });

  test('a handler may destructure its context', async () => {
    const { body } = await rpc(runtime().url, 'SendMessage', { message: userMessage('parts', { metadata: { skillId: 'destructured' } }) });
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.artifacts[0].parts[0].text, 'parts (36)');
    assert.equal(task.metadata['agentmesh.usage'].credits, 2);
    assert.ok(task.history.some((m: { parts: Array<{ text?: string }> }) => m.parts[0]?.text === 'working on it'), 'progress text is in the history');
  });

  test('a skill that replies answers result.message (no task); streamed, one frame without an event id; ListTasks shows nothing of it', async () => {
    const contextId = `ctx-wire-reply-${crypto.randomUUID()}`;
    const { body } = await rpc(runtime().url, 'SendMessage', { message: userMessage('Ada', { contextId, metadata: { skillId: 'hello' } }) });
    assert.equal(body.result.task, undefined);
    assert.equal(body.result.message.role, 'ROLE_AGENT');
    assert.deepEqual(body.result.message.parts, [{ text: 'Hello, Ada' }]);
    assert.equal(body.result.message.contextId, contextId);
    const response = await fetch(runtime().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'SendStreamingMessage', params: { message: userMessage('Lin', { contextId, metadata: { skillId: 'hello' } }) } }),
    });
    const frames = await readSse(response);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.id, undefined, 'no task log backs it: nothing to resume from');
    assert.deepEqual(frames[0]!.data.result.message.parts, [{ text: 'Hello, Lin' }]);
    const listed = await rpc(runtime().url, 'ListTasks', { contextId });
    assert.deepEqual(listed.body.result.tasks, []);
  });

  test('returnImmediately returns before the task is done', async () => {
    const { body } = await rpc(runtime().url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    assert.ok(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING'].includes(body.result.task.status.state));
    const canceled = await rpc(runtime().url, 'CancelTask', { id: body.result.task.id });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    const again = await rpc(runtime().url, 'CancelTask', { id: body.result.task.id });
    assert.equal(again.body.result.status.state, 'TASK_STATE_CANCELED', 'cancel is idempotent');
  });

  test('a retried SendMessage with the same messageId returns the same task', async () => {
    const message = userMessage('once');
    const first = await rpc(runtime().url, 'SendMessage', { message });
    const second = await rpc(runtime().url, 'SendMessage', { message });
    assert.equal(second.body.result.task.id, first.body.result.task.id);
  });

  test('input is validated against the skill schema, naming the path', async () => {
    const { body } = await rpc(runtime().url, 'SendMessage', { message: { messageId: 'm-sum-bad', role: 'ROLE_USER', parts: [{ data: { numbers: ['a'] } }], metadata: { skillId: 'sum' } } });
    assert.equal(body.error.code, -32602);
    assert.match(body.error.message, /message\.parts\[0\]\.data\.numbers\[0\]/);
    const ok = await rpc(runtime().url, 'SendMessage', { message: { messageId: 'm-sum-ok', role: 'ROLE_USER', parts: [{ data: { numbers: [1, 2, 3] } }], metadata: { skillId: 'sum' } } });
    assert.deepEqual(ok.body.result.task.artifacts[0].parts[0].data, { sum: 6 });
  });

  test('a failing handler fails the task with its reason; a slow one times out', async () => {
    const failed = await rpc(runtime().url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'fail' } }) });
    assert.equal(failed.body.result.task.status.state, 'TASK_STATE_FAILED');
    assert.match(failed.body.result.task.status.message.parts[0].text, /lead database is offline/);
    const slow = await rpc(runtime().url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'slow' } }) });
    assert.equal(slow.body.result.task.status.state, 'TASK_STATE_FAILED');
    assert.match(slow.body.result.task.status.message.parts[0].text, /timed out after 50 ms/);
  });

  test('input-required pauses the task and the next message resumes it', async () => {
    const first = await rpc(runtime().url, 'SendMessage', { message: userMessage('hi', { metadata: { skillId: 'ask' } }) });
    const task = first.body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    assert.equal(task.status.message.parts[0].text, 'What is your name?');
    const second = await rpc(runtime().url, 'SendMessage', { message: userMessage('Ada', { taskId: task.id, contextId: task.contextId }) });
    assert.equal(second.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(second.body.result.task.artifacts[0].parts[0].text, 'Hello, Ada');
    const terminal = await rpc(runtime().url, 'SendMessage', { message: userMessage('again', { taskId: task.id }) });
    assert.equal(terminal.body.error.code, -32004);
    const mismatch = await rpc(runtime().url, 'SendMessage', { message: userMessage('x', { taskId: task.id, contextId: 'other' }) });
    assert.equal(mismatch.body.error.code, -32602);
  });

  test('a streamed answer to an input-required task streams through to completion', async () => {
    const first = await rpc(runtime().url, 'SendMessage', { message: userMessage('hi', { metadata: { skillId: 'ask' } }) });
    const task = first.body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const response = await fetch(runtime().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'SendStreamingMessage', params: { message: userMessage('Ada', { taskId: task.id, contextId: task.contextId }) } }),
    });
    const frames = await readSse(response);
    assert.ok(frames[0]!.data.result.task, 'the stream begins with the task');
    const ids = frames.map((f) => Number(f.id));
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const last = frames[frames.length - 1]!.data.result;
    assert.equal(last.statusUpdate.status.state, 'TASK_STATE_COMPLETED');
    const artifact = frames.find((f) => f.data.result.artifactUpdate)!.data.result.artifactUpdate.artifact;
    assert.equal(artifact.parts[0].text, 'Hello, Ada');
  });

  test('SendStreamingMessage streams the task, status and artifact chunks with ids, and Last-Event-ID resumes', async () => {
    const response = await fetch(runtime().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SendStreamingMessage', params: { message: userMessage('x', { metadata: { skillId: 'chunks' } }) } }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const frames = await readSse(response);
    assert.ok(frames[0]!.data.result.task, 'first event is the task');
    const ids = frames.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
    const chunks = frames.filter((f) => f.data.result.artifactUpdate).map((f) => f.data.result.artifactUpdate.artifact.parts[0].text);
    assert.deepEqual(chunks, ['one ', 'two ', 'three']);
    const last = frames[frames.length - 1]!.data.result;
    assert.equal(last.statusUpdate.status.state, 'TASK_STATE_COMPLETED');
    const taskId = frames[0]!.data.result.task.id;
    // Reconnect after the second event: exactly the rest, no duplicates.
    const resumed = await fetch(runtime().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', 'last-event-id': frames[1]!.id! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'SubscribeToTask', params: { id: taskId } }),
    });
    const rest = await readSse(resumed);
    assert.deepEqual(rest.map((f) => f.id), frames.slice(2).map((f) => f.id));
    const got = await rpc(runtime().url, 'GetTask', { id: taskId });
    assert.equal(got.body.result.artifacts[0].parts.map((p: { text: string }) => p.text).join(''), 'one two three');
    assert.equal(got.body.result.metadata['agentmesh.usage'].credits, 3);
  });

  test('GetTask honours historyLength and ListTasks pages newest first', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await rpc(runtime().url, 'SendMessage', { message: userMessage(`page ${i}`, { contextId: 'ctx-pages' }) })).body.result.task.id);
    const none = await rpc(runtime().url, 'GetTask', { id: created[0], historyLength: 0 });
    assert.equal(none.body.result.history, undefined);
    const seen: string[] = [];
    let pageToken = '';
    for (;;) {
      const { body } = await rpc(runtime().url, 'ListTasks', { contextId: 'ctx-pages', pageSize: 2, ...(pageToken ? { pageToken } : {}) });
      assert.equal(body.result.totalSize, 5);
      for (const t of body.result.tasks) {
        assert.equal(t.artifacts, undefined, 'artifacts omitted unless includeArtifacts');
        seen.push(t.id);
      }
      pageToken = body.result.nextPageToken;
      assert.equal(typeof pageToken, 'string');
      if (!pageToken) break;
    }
    assert.deepEqual(seen, [...created].reverse());
    const withArtifacts = await rpc(runtime().url, 'ListTasks', { contextId: 'ctx-pages', pageSize: 1, includeArtifacts: true });
    assert.ok(Array.isArray(withArtifacts.body.result.tasks[0].artifacts));
  });
});
