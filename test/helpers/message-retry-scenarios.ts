/**
 * When a new message repeating a messageId is a retry (ADR 0046), as a client
 * sees it over JSON-RPC: one set of tests, run on SQLite
 * (test/integration/runtime/repeated-message-ids.test.ts) and on PostgreSQL
 * (test/services/repeated-message-ids-postgres.test.ts), whose lookups by
 * messageId differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, userMessage } from './runtime-fixture.js';

type Rpc = Awaited<ReturnType<typeof rpc>>;

/** The task a SendMessage answered; fails the test on anything else. */
function taskOf(answer: Rpc): { id: string; contextId: string; status: { state: string }; artifacts?: Array<{ parts: Array<{ text?: string }> }> } {
  assert.equal(answer.body.error, undefined, JSON.stringify(answer.body.error));
  assert.ok(answer.body.result?.task, JSON.stringify(answer.body));
  return answer.body.result.task;
}

/**
 * Registers the tests on a runtime hosting the fixture's `testAgent` (skills
 * `echo`, `ask`, `wait`), at `url()`, deduplicating messageIds (the default).
 * `pushHook` is a webhook URL the runtime accepts (push configs are only
 * stored, never delivered before the tests end).
 */
export function messageRetryTests(url: () => string, pushHook: () => string): void {
  const send = (message: Record<string, unknown>, configuration?: Record<string, unknown>) => rpc(url(), 'SendMessage', configuration === undefined ? { message } : { message, configuration });

  test('the same message again is a retry: the task it started, without a second run', async () => {
    const message = userMessage('first');
    const first = taskOf(await send(message));
    const again = taskOf(await send(message));
    assert.equal(again.id, first.id);
    assert.equal(again.artifacts?.length, 1);
    // The retry may name the context the first send was given, and its metadata may come in any key order.
    const withContext = { ...message, contextId: first.contextId };
    assert.equal(taskOf(await send(withContext)).id, first.id);
  });

  test('metadata in another key order is the same message', async () => {
    const message = userMessage('ordered', { metadata: { skillId: 'echo', note: { a: 1, b: [1, 2] } } });
    const first = taskOf(await send(message));
    const again = taskOf(await send({ ...message, metadata: { note: { b: [1, 2], a: 1 }, skillId: 'echo' } }));
    assert.equal(again.id, first.id);
  });

  test('another message under the same messageId is a new message: a task of its own', async () => {
    const messageId = crypto.randomUUID();
    const first = taskOf(await send(userMessage('first', { messageId })));
    const second = taskOf(await send(userMessage('second', { messageId })));
    assert.notEqual(second.id, first.id);
    assert.equal(second.artifacts?.[0]?.parts[0]?.text, 'second');
    // A context of its own is another message too.
    const elsewhere = taskOf(await send(userMessage('second', { messageId, contextId: crypto.randomUUID() })));
    assert.notEqual(elsewhere.id, second.id);
    // A repeat is compared with the newest task of that id; one without a context takes the context it was given.
    assert.equal(taskOf(await send(userMessage('second', { messageId }))).id, elsewhere.id);
    assert.notEqual(taskOf(await send(userMessage('first', { messageId }))).id, first.id);
  });

  test('the message that started a task, sent again after a follow-up continued it, starts a new task', async () => {
    // The conformance suite's pattern: one messageId per scenario, the same text each time, every task left waiting for input.
    const question = userMessage('TCK prerequisite task creation', { metadata: { skillId: 'ask' } });
    const first = taskOf(await send(question));
    assert.equal(first.status.state, 'TASK_STATE_INPUT_REQUIRED');
    // Not yet continued: still a retry.
    assert.equal(taskOf(await send(question)).id, first.id);
    const done = taskOf(await send(userMessage('Ada', { taskId: first.id, messageId: question['messageId'] })));
    assert.equal(done.status.state, 'TASK_STATE_COMPLETED');
    const second = taskOf(await send(question));
    assert.notEqual(second.id, first.id);
    assert.equal(second.status.state, 'TASK_STATE_INPUT_REQUIRED');
  });

  test('the message that started a task, sent again after the task was canceled, starts a new task', async () => {
    const message = userMessage('hold', { metadata: { skillId: 'wait' } });
    const first = (await send(message, { returnImmediately: true })).body.result.task;
    const canceled = await rpc(url(), 'CancelTask', { id: first.id });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    const second = (await send(message, { returnImmediately: true })).body.result.task;
    assert.notEqual(second.id, first.id);
    await rpc(url(), 'CancelTask', { id: second.id });
  });

  test('a repeat asking for a push config its task was not given is a new message; the same config again is a retry', async () => {
    const message = userMessage('TCK prerequisite task creation', { metadata: { skillId: 'ask' } });
    const plain = taskOf(await send(message));
    const config = { id: 'hook-1', url: pushHook(), token: 'secret-1' };
    const hooked = taskOf(await send(message, { taskPushNotificationConfig: config }));
    assert.notEqual(hooked.id, plain.id);
    assert.equal(taskOf(await send(message, { taskPushNotificationConfig: config })).id, hooked.id);
    assert.notEqual(taskOf(await send(message, { taskPushNotificationConfig: { ...config, token: 'secret-2' } })).id, hooked.id);
    // A config sent without an id (the runtime made one) is compared without it.
    const unnamed = userMessage('unnamed hook', { metadata: { skillId: 'ask' } });
    const once = taskOf(await send(unnamed, { taskPushNotificationConfig: { url: pushHook(), token: 't' } }));
    assert.equal(taskOf(await send(unnamed, { taskPushNotificationConfig: { url: pushHook(), token: 't' } })).id, once.id);
  });

  test('the same message sent twice at once starts one task; two messages under one id at once start two', async () => {
    const message = userMessage('together', { metadata: { skillId: 'ask' } });
    const same = await Promise.all([send(message), send(message)]);
    assert.equal(new Set(same.map((r) => taskOf(r).id)).size, 1);
    const messageId = crypto.randomUUID();
    const different = await Promise.all(['a', 'b'].map((text) => send(userMessage(text, { messageId, metadata: { skillId: 'ask' } }))));
    assert.equal(new Set(different.map((r) => taskOf(r).id)).size, 2);
  });
}
