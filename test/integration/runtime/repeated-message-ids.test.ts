import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, startRuntime, userMessage } from '../../helpers/runtime-fixture.js';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';
import { messageRetryTests } from '../../helpers/message-retry-scenarios.js';

/*
 * A2A §3.3.1: agents MAY use the messageId to detect duplicate messages. The
 * runtime does by default: the same message sent again (a client's retry) gets
 * the task it started, while another message under that id, or the same one
 * after its task was continued or canceled, is new (ADR 0046; the official
 * conformance suite sends one id per scenario and session). With
 * `dedupeMessageIds: false` every message is new.
 */

describe('a new message repeating a messageId (SQLite)', () => {
  let deduping: Awaited<ReturnType<typeof startRuntime>>;
  let fresh: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    [deduping, fresh] = await Promise.all([startRuntime(), startRuntime(undefined, { dedupeMessageIds: false })]);
  });
  after(async () => {
    await Promise.all([deduping?.close(), fresh?.close()]);
  });

  messageRetryTests(() => deduping.url, () => 'https://receiver.invalid/hook');

  test('with dedupeMessageIds: false starts a task of its own, one after the other or at once', async () => {
    const messageId = crypto.randomUUID();
    const first = await rpc(fresh.url, 'SendMessage', { message: userMessage('first', { messageId }) });
    const again = await rpc(fresh.url, 'SendMessage', { message: userMessage('second', { messageId }) });
    assert.notEqual(again.body.result.task.id, first.body.result.task.id);
    assert.equal(again.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(again.body.result.task.artifacts[0].parts[0].text, 'second');
    const together = await Promise.all(['a', 'b'].map((text) => rpc(fresh.url, 'SendMessage', { message: userMessage(text, { messageId }) })));
    const ids = new Set([first, again, ...together].map((r) => r.body.result.task.id as string));
    assert.equal(ids.size, 4);
  });

  test('AGENTMESH_DEDUPE_MESSAGE_IDS sets it: 1 or 0, anything else refused at start', () => {
    assert.equal(runtimeConfigFromEnv({}, {}).dedupeMessageIds, undefined);
    assert.equal(runtimeConfigFromEnv({ AGENTMESH_DEDUPE_MESSAGE_IDS: '0' }, {}).dedupeMessageIds, false);
    assert.equal(runtimeConfigFromEnv({ AGENTMESH_DEDUPE_MESSAGE_IDS: '1' }, {}).dedupeMessageIds, true);
    assert.throws(() => runtimeConfigFromEnv({ AGENTMESH_DEDUPE_MESSAGE_IDS: 'no' }, {}), /AGENTMESH_DEDUPE_MESSAGE_IDS must be 1 or 0/);
  });
});
