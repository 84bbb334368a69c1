import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelTaskRequest, GetTaskRequest, ListTasksRequest, SubscribeToTaskRequest, TaskPushNotificationConfig } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { connectAgent, type Binding } from '../../../src/cli/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';
import { testAgent } from '../../helpers/runtime-fixture.js';
import { CANCELED, COMPLETED, asTask, completedText, sendRequest, startWaitTask, startWebhook, streamChunks } from '../../helpers/sdk-client.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * The A2A spec lets a client carry its version as the `A2A-Version` header or
 * as a query parameter of the same name (A2A §3.6). The gateway must read it
 * exactly as the runtime does, on every operation of both HTTP bindings: the
 * official SDK client drives each operation through the gateway both ways.
 * The SDK always sends the header; the query-parameter runs move it into the
 * URL in the fetch it is given, so the wire carries the parameter only.
 */

type Carrier = 'header' | 'query';

/** A fetch that records each request as sent, with the `A2A-Version` header moved into the query for `query`. */
function recordingFetch(carrier: Carrier, seen: string[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const version = request.headers.get('a2a-version');
    const headers = new Headers(request.headers);
    const url = new URL(request.url);
    if (carrier === 'query') {
      headers.delete('a2a-version');
      if (version !== null) url.searchParams.set('A2A-Version', version);
    }
    seen.push(`${request.method} ${url.pathname}${url.search} ${headers.get('a2a-version') ?? '-'}`);
    const body = request.body === null ? undefined : await request.arrayBuffer();
    return fetch(url, { method: request.method, headers, ...(body !== undefined && { body }), ...(init?.signal && { signal: init.signal }) });
  };
}

describe('the official SDK client through the gateway, with the A2A version as header or query parameter', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let token: string;

  before(async () => {
    // The test agent with an extended card, so GetExtendedAgentCard is served too.
    mesh = await startGatewayMesh({ agents: [{ ...testAgent, extendedCard: { documentationUrl: 'https://docs.example.com/tester/signed-in' } }], runtime: { allowHosts: ['127.0.0.1'], dev: true } });
    webhook = await startWebhook();
    const client = await createClient(mesh.gw.url, { name: 'sdk-versions', tenant: 'versions', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:push:write', 'a2a:card:read'] });
    token = await fetchToken(mesh.gw.url, client);
  });
  after(() => closeInTurn(webhook, mesh));

  for (const binding of ['jsonrpc', 'rest'] as const satisfies readonly Binding[]) {
    for (const carrier of ['header', 'query'] as const satisfies readonly Carrier[]) {
      describe(`${binding}, version as ${carrier}`, () => {
        let client: Client;
        const seen: string[] = [];

        before(async () => {
          const connection = await connectAgent({ url: `${mesh.gw.url}/agents/tester`, protocol: '1.0', binding, token, fetchImpl: recordingFetch(carrier, seen) });
          assert.equal(connection.binding, binding);
          assert.equal(connection.protocol, '1.0');
          client = connection.client;
        });

        after(() => {
          // Every request the SDK sent (card included) carried the version one way only.
          assert.ok(seen.length > 0);
          for (const line of seen) assert.match(line, carrier === 'query' ? /[?&]A2A-Version=1\.0 -$/ : /^[^?]* 1\.0$|\?(?!.*A2A-Version).* 1\.0$/, line);
        });

        test('SendMessage', async () => {
          assert.equal(await completedText(client, 'hello gateway'), 'hello gateway');
        });

        test('SendStreamingMessage', async () => {
          const events = await streamChunks(client);
          assert.equal(events[0]?.payload?.$case, 'task');
          const last = events.at(-1)?.payload;
          assert.equal(last?.$case, 'statusUpdate');
          assert.equal(last.value.status?.state, COMPLETED);
        });

        test('GetTask and ListTasks', async () => {
          const contextId = `ctx-${binding}-${carrier}`;
          const task = asTask(await client.sendMessage(sendRequest('kept', { contextId })));
          const got = await client.getTask(GetTaskRequest.fromJSON({ id: task.id }));
          assert.equal(got.id, task.id);
          const listed = await client.listTasks(ListTasksRequest.fromJSON({ contextId }));
          assert.deepEqual(listed.tasks.map((t) => t.id), [task.id]);
          await assert.rejects(client.getTask(GetTaskRequest.fromJSON({ id: 'no-such-task' })), TaskNotFoundError);
        });

        test('CancelTask and SubscribeToTask', async () => {
          const id = await startWaitTask(client);
          const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id }));
          const first = await events.next();
          assert.equal(first.done, false);
          const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
          assert.equal(canceled.status?.state, CANCELED);
          const states: number[] = [];
          for await (const e of events) if (e.payload?.$case === 'statusUpdate') states.push(e.payload.value.status?.state ?? -1);
          assert.equal(states.at(-1), CANCELED);
        });

        test('push notification configs: create, get, list, delete', async () => {
          const taskId = await startWaitTask(client);
          try {
            const created = await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId, url: webhook.url, token: 'tok' }));
            assert.equal(created.taskId, taskId);
            const got = await client.getTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
            assert.equal(got.url, webhook.url);
            const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
            assert.deepEqual(listed.configs.map((c) => c.id), [created.id]);
            await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: created.id });
          } finally {
            await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
          }
        });

        test('GetExtendedAgentCard', async () => {
          // The SDK asks for the extended card when the card offers one.
          const before = seen.length;
          const card = await client.getAgentCard();
          assert.equal(card.documentationUrl, 'https://docs.example.com/tester/signed-in');
          assert.ok(card.capabilities?.extendedAgentCard, 'the card offers an extended card');
          assert.equal(seen.length, before + 1, 'the extended card was asked for');
        });
      });
    }
  }
});
