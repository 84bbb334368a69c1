import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelTaskRequest, GetTaskRequest, SendMessageRequest, SubscribeToTaskRequest, TaskPushNotificationConfig, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { connectAgent } from '../../../src/cli/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

// SDK enum values (proto numbering, A2A §4.1.3), compared numerically on the decoded objects.
const COMPLETED = 3;
const CANCELED = 5;

function sendRequest(text: string, extra: { skillId?: string; returnImmediately?: boolean } = {}): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...(extra.skillId ? { metadata: { skillId: extra.skillId } } : {}) },
    ...(extra.returnImmediately ? { configuration: { returnImmediately: true } } : {}),
  });
}

function asTask(result: unknown): Task {
  assert.ok(typeof result === 'object' && result !== null && 'status' in result, 'the result is a task');
  return result as Task;
}

function textOf(task: Task): string {
  return task.artifacts.flatMap((a) => a.parts).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
}

describe('A2A 0.3 HTTP+JSON binding (/v1/…)', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  let webhook: Server;
  let webhookUrl: string;
  before(async () => {
    env = await startRuntime(undefined, { dev: true, allowHosts: ['127.0.0.1', 'localhost'] });
    webhook = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    await env.close();
  });

  // Both mount points: the root (single agent) and /agents/{name}, whose prefix the router must not see.
  for (const mount of ['root', 'agents/tester'] as const) {
    describe(`official SDK 0.3 REST client at ${mount}`, () => {
      let client: Client;
      let base: string;
      before(async () => {
        base = mount === 'root' ? env.url : `${env.url}/${mount}`;
        const connection = await connectAgent({ url: base, protocol: '0.3', binding: 'rest' });
        assert.equal(connection.protocol, '0.3');
        assert.equal(connection.binding, 'rest');
        client = connection.client;
      });

      async function startWaitTask(): Promise<string> {
        return asTask(await client.sendMessage(sendRequest('hold', { skillId: 'wait', returnImmediately: true }))).id;
      }

      test('sendMessage returns the completed task with its artifact', async () => {
        const task = asTask(await client.sendMessage(sendRequest('hello v0.3 rest')));
        assert.equal(task.status?.state, COMPLETED);
        assert.equal(textOf(task), 'hello v0.3 rest');
      });

      test('sendMessageStream yields the task, then the chunks in order, ending completed', async () => {
        const events: StreamResponse[] = [];
        for await (const e of client.sendMessageStream(sendRequest('x', { skillId: 'chunks' }))) events.push(e);
        assert.equal(events[0]?.payload?.$case, 'task', 'first event is the task');
        const chunks = events.flatMap((e) => (e.payload?.$case === 'artifactUpdate' ? [e.payload.value.artifact?.parts[0]?.content] : [])).map((c) => (c?.$case === 'text' ? c.value : ''));
        assert.deepEqual(chunks, ['one ', 'two ', 'three']);
        const last = events[events.length - 1]?.payload;
        assert.equal(last?.$case, 'statusUpdate');
        assert.equal(last.value.status?.state, COMPLETED);
      });

      test('getTask returns the stored task and honours historyLength', async () => {
        const task = asTask(await client.sendMessage(sendRequest('history')));
        const full = await client.getTask(GetTaskRequest.fromJSON({ id: task.id }));
        assert.equal(full.id, task.id);
        assert.equal(full.status?.state, COMPLETED);
        assert.equal(textOf(full), 'history');
        assert.ok(full.history.length >= 1);
        const none = await client.getTask(GetTaskRequest.fromJSON({ id: task.id, historyLength: 0 }));
        assert.equal(none.history.length, 0);
      });

      test('cancelTask cancels a waiting task', async () => {
        const id = await startWaitTask();
        const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
        assert.equal(canceled.id, id);
        assert.equal(canceled.status?.state, CANCELED);
      });

      test('resubscribeTask on a running task sees the cancel and ends', async () => {
        const id = await startWaitTask();
        const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
        const first = await events.next();
        assert.equal(first.done, false);
        await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
        const states: number[] = [];
        for await (const e of events) if (e.payload?.$case === 'statusUpdate') states.push(e.payload.value.status?.state ?? -1);
        assert.equal(states[states.length - 1], CANCELED, 'the stream ends with the cancel');
      });

      test('push notification configs: create, get, list, delete', async () => {
        const taskId = await startWaitTask();
        try {
          const created = await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId, url: webhookUrl, token: 'tok-03' }));
          assert.equal(created.taskId, taskId);
          assert.equal(created.url, webhookUrl);
          assert.ok(created.id.length > 0, 'the server assigns an id');
          const got = await client.getTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
          assert.equal(got.url, webhookUrl);
          assert.equal(got.token, 'tok-03');
          const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
          assert.deepEqual(listed.configs.map((c) => c.id), [created.id]);
          await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
          const empty = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
          assert.deepEqual(empty.configs, []);
        } finally {
          await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
        }
      });

      test('getTask of an unknown id raises the SDK TaskNotFoundError', async () => {
        await assert.rejects(client.getTask(GetTaskRequest.fromJSON({ id: 'no-such-task' })), (err: unknown) => {
          assert.ok(err instanceof TaskNotFoundError, `expected TaskNotFoundError, got ${String(err)}`);
          return true;
        });
      });
    });
  }

  describe('the v0.3 wire', () => {
    test('POST /v1/message:send answers 201 with the v0.3 proto-JSON task (A2A v0.3 §3.2.3)', async () => {
      const response = await fetch(`${env.url}/agents/tester/v1/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // v0.3 REST is proto JSON: `content` (not v1 `parts`) and enum-named states.
        body: JSON.stringify({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', content: [{ text: 'wire' }] } }),
      });
      assert.equal(response.status, 201);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as { task?: { id: string; status: { state: string }; artifacts: Array<{ parts: Array<{ text?: string }> }>; history: Array<{ role: string; content: Array<{ text?: string }> }> } };
      assert.ok(body.task, `a task result, got ${JSON.stringify(body)}`);
      assert.equal(body.task.status.state, 'TASK_STATE_COMPLETED');
      assert.equal(body.task.artifacts[0]?.parts[0]?.text, 'wire');
      assert.deepEqual(body.task.history[0]?.content, [{ text: 'wire' }]);
    });

    test('an unknown task is 404 with the v0.3 error body { code, message }', async () => {
      const response = await fetch(`${env.url}/v1/tasks/no-such-task`);
      assert.equal(response.status, 404);
      const body = (await response.json()) as { code: number; message: string };
      assert.equal(body.code, -32001);
      assert.equal(typeof body.message, 'string');
    });

    test('bad JSON is 400 with the v0.3 parse error', async () => {
      const response = await fetch(`${env.url}/v1/message:send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { code: number };
      assert.equal(body.code, -32700);
    });

    test('A2A-Version 1.0 on /v1/… is VERSION_NOT_SUPPORTED in the v1 shape', async () => {
      const response = await fetch(`${env.url}/v1/tasks/any`, { headers: { 'A2A-Version': '1.0' } });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { status: string; details: Array<{ reason?: string }> } };
      assert.equal(body.error.status, 'FAILED_PRECONDITION');
      assert.ok(body.error.details.some((d) => d.reason === 'VERSION_NOT_SUPPORTED'));
    });

    test('the v0.3 card (no A2A-Version) lists the HTTP+JSON interface', async () => {
      for (const path of ['agents/tester/.well-known/agent-card.json', '.well-known/agent.json']) {
        const response = await fetch(`${env.url}/${path}`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('vary'), 'A2A-Version');
        assert.ok(response.headers.get('etag'), 'the v0.3 card has an ETag');
        const card = (await response.json()) as { protocolVersion: string; url: string; preferredTransport: string; additionalInterfaces?: Array<{ url: string; transport: string }> };
        assert.equal(card.protocolVersion, '0.3');
        assert.equal(card.preferredTransport, 'JSONRPC');
        const rest = (card.additionalInterfaces ?? []).find((i) => i.transport === 'HTTP+JSON');
        assert.ok(rest, `an HTTP+JSON interface among ${JSON.stringify(card.additionalInterfaces)}`);
        assert.equal(rest.url, card.url);
      }
    });

    test('the v1 card (A2A-Version: 1.0) lists HTTP+JSON in both versions', async () => {
      const response = await fetch(`${env.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
      assert.equal(response.status, 200);
      const card = (await response.json()) as { supportedInterfaces: Array<{ protocolBinding: string; protocolVersion: string }> };
      const rest = card.supportedInterfaces.filter((i) => i.protocolBinding === 'HTTP+JSON').map((i) => i.protocolVersion);
      assert.deepEqual(rest.sort(), ['0.3', '1.0']);
    });

    test('the v0.3 card answers 304 to its own ETag', async () => {
      const etag = (await fetch(`${env.url}/.well-known/agent-card.json`)).headers.get('etag') ?? '';
      // node:http, because fetch adds `Cache-Control: no-cache` to conditional requests, which forbids a 304.
      const status = await new Promise<number>((resolve, reject) => {
        get(`${env.url}/.well-known/agent-card.json`, { headers: { 'if-none-match': etag } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 304);
    });
  });
});
