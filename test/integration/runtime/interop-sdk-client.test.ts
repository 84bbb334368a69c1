import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard, CancelTaskRequest, GetTaskRequest, ListTasksRequest, SubscribeToTaskRequest, TaskPushNotificationConfig, verifyAgentCardSignature, type StreamResponse } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { importJWK, type JWK } from 'jose';
import { connectAgent } from '../../../src/cli/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { CANCELED, COMPLETED, asMessage, asTask, completedText, messageText, sendRequest, startWaitTask, startWebhook, streamChunks } from '../../helpers/sdk-client.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';
import { EVERY_COMBINATION, type WireCombination } from '../../helpers/wire-combinations.js';

// mount: the agent at the root (single-agent process) or under /agents/{name}, whose prefix the v0.3 REST router must not see.
// gRPC: the SDK's gRPC client transport (v1.0 and its v0.3 compat), found through the card's GRPC interfaces.
const COMBINATIONS: Array<WireCombination & { mount: string }> = [...EVERY_COMBINATION.map((wire) => ({ ...wire, mount: '' })), { protocol: '0.3', binding: 'rest', mount: '/agents/tester' }];

describe('official @a2a-js/sdk client against the runtime', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let webhookUrl: string;
  before(async () => {
    env = await startRuntime(undefined, { dev: true, allowHosts: ['127.0.0.1', 'localhost'], grpcPort: 0 });
    webhook = await startWebhook();
    webhookUrl = webhook.url;
  });
  after(() => closeInTurn(webhook, env));

  for (const { protocol, binding, mount } of COMBINATIONS) {
    describe(`A2A ${protocol} over ${binding}${mount ? ` at ${mount}` : ''}`, () => {
      let client: Client;
      before(async () => {
        const connection = await connectAgent({ url: env.url + mount, protocol, binding });
        assert.equal(connection.protocol, protocol);
        assert.equal(connection.binding, binding);
        client = connection.client;
      });

      test('sendMessage returns the completed task with its artifact', async () => {
        assert.equal(await completedText(client, 'hello sdk'), 'hello sdk');
      });

      test('sendMessage to a skill that replies gets the Message itself: role agent, the context, no task', async () => {
        const contextId = `ctx-reply-${protocol}-${binding}`;
        const message = asMessage(await client.sendMessage(sendRequest('Ada', { skillId: 'hello', contextId })));
        assert.equal(messageText(message), 'Hello, Ada');
        assert.equal(message.role, 2, 'ROLE_AGENT');
        assert.equal(message.contextId, contextId);
        assert.equal(message.taskId ?? '', '', 'no task');
        assert.ok(message.messageId.length > 0);
      });

      test('sendMessageStream to a skill that replies yields that one Message, then ends', async () => {
        const events: Array<StreamResponse> = [];
        for await (const e of client.sendMessageStream(sendRequest('Grace', { skillId: 'hello' }))) events.push(e);
        assert.deepEqual(events.map((e) => e.payload?.$case), ['message']);
        const only = events[0]!.payload;
        assert.ok(only?.$case === 'message');
        assert.equal(messageText(only.value), 'Hello, Grace');
      });

      test('sendMessageStream yields the task, then updates in order, ending completed', async () => {
        const events = await streamChunks(client);
        assert.equal(events[0]?.payload?.$case, 'task', 'first event is the task');
        const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value.artifact?.parts[0]?.content] : [])).map((c) => (c?.$case === 'text' ? c.value : ''));
        assert.deepEqual(chunks, ['one ', 'two ', 'three']);
        const last = events[events.length - 1]?.payload;
        assert.equal(last?.$case, 'statusUpdate');
        assert.equal(last.value.status?.state, COMPLETED);
      });

      test('getTask honours historyLength', async () => {
        const task = asTask(await client.sendMessage(sendRequest('history')));
        const full = await client.getTask(GetTaskRequest.fromJSON({ id: task.id }));
        assert.ok(full.history.length >= 1);
        assert.equal(full.history[0]?.parts[0]?.content?.$case === 'text' && full.history[0].parts[0].content.value, 'history');
        if (protocol === '0.3' && binding === 'grpc') {
          // The v0.3 proto's history_length has no presence: 0 is "not set" and gets the whole history; 1 still cuts it.
          const unset = await client.getTask(GetTaskRequest.fromJSON({ id: task.id, historyLength: 0 }));
          assert.equal(unset.history.length, full.history.length);
          const one = await client.getTask(GetTaskRequest.fromJSON({ id: task.id, historyLength: 1 }));
          assert.equal(one.history.length, 1);
          return;
        }
        const none = await client.getTask(GetTaskRequest.fromJSON({ id: task.id, historyLength: 0 }));
        assert.equal(none.history.length, 0);
        assert.equal(none.id, task.id);
      });

      test('cancelTask cancels a waiting task', async () => {
        const id = await startWaitTask(client);
        const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
        assert.equal(canceled.id, id);
        assert.equal(canceled.status?.state, CANCELED);
      });

      test('resubscribeTask on a running task sees the cancel and ends', async () => {
        const id = await startWaitTask(client);
        const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
        const first = await events.next();
        assert.equal(first.done, false);
        await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
        const states: number[] = [];
        for await (const e of events) if (e.payload?.$case === 'statusUpdate') states.push(e.payload.value.status?.state ?? -1);
        assert.equal(states[states.length - 1], CANCELED, 'the stream ends with the cancel');
      });

      test('push notification configs: create, get, list, delete', async () => {
        const taskId = await startWaitTask(client);
        try {
          const created = await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId, url: webhookUrl, token: 'tok-1' }));
          assert.equal(created.taskId, taskId);
          assert.equal(created.url, webhookUrl);
          assert.ok(created.id.length > 0, 'the server assigns an id');
          const got = await client.getTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
          assert.equal(got.url, webhookUrl);
          assert.equal(got.token, 'tok-1');
          const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
          assert.deepEqual(listed.configs.map((c) => c.id), [created.id]);
          await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
          const empty = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
          assert.deepEqual(empty.configs, []);
        } finally {
          await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
        }
      });

      if (protocol === '1.0') {
        test('listTasks pages through a context, newest first', async () => {
          const contextId = `ctx-sdk-${binding}`;
          const created: string[] = [];
          for (let i = 0; i < 3; i++) created.push(asTask(await client.sendMessage(sendRequest(`p${i}`, { contextId }))).id);
          const seen: string[] = [];
          let pageToken = '';
          for (;;) {
            const page = await client.listTasks(ListTasksRequest.fromJSON({ contextId, pageSize: 2, ...(pageToken ? { pageToken } : {}) }));
            assert.equal(page.totalSize, 3);
            assert.ok(page.tasks.length <= 2);
            seen.push(...page.tasks.map((t) => t.id));
            pageToken = page.nextPageToken;
            if (!pageToken) break;
          }
          assert.deepEqual(seen, [...created].reverse());
        });
      }

      test('getTask of an unknown id raises the SDK TaskNotFoundError', async () => {
        await assert.rejects(client.getTask(GetTaskRequest.fromJSON({ id: 'no-such-task' })), (err: unknown) => {
          assert.ok(err instanceof TaskNotFoundError, `expected TaskNotFoundError, got ${String(err)}`);
          return true;
        });
      });
    });
  }

  test('the signed agent card verifies with the SDK verifier and the runtime JWKS', async () => {
    const cardResponse = await fetch(new URL('.well-known/agent-card.json', `${env.url}/`), { headers: { 'A2A-Version': '1.0' } });
    assert.equal(cardResponse.status, 200);
    const card = AgentCard.fromJSON(await cardResponse.json());
    assert.ok(card.signatures.length > 0, 'the card is signed');
    const jwksResponse = await fetch(new URL('/.well-known/jwks.json', env.url));
    assert.equal(jwksResponse.status, 200);
    const jwks = (await jwksResponse.json()) as { keys: Array<JWK & { kid?: string }> };
    const requested: string[] = [];
    const verify = verifyAgentCardSignature(async (kid) => {
      requested.push(kid);
      const jwk = jwks.keys.find((k) => k.kid === kid);
      assert.ok(jwk, `kid ${kid} is in the JWKS`);
      const key = await importJWK(jwk, jwk.alg);
      assert.ok(!(key instanceof Uint8Array), 'an asymmetric public key');
      return key;
    });
    await verify(card);
    assert.equal(requested.length > 0, true);
    // A tampered card must not verify with the same keys.
    await assert.rejects(verify({ ...card, name: 'impostor' }));
  });
});
