/**
 * DeleteTaskPushNotificationConfig is idempotent (docs/conformance.md,
 * "Deleting a push config is idempotent"): deleting a config twice, or one
 * never created, succeeds on every binding and version, through the
 * official SDK client; the task must still exist and be visible to the caller.
 * Also pinned here: a webhook whose host does not resolve yet is accepted at
 * creation (its address is judged at connect time), an SSRF target is not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelTaskRequest, TaskPushNotificationConfig } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startWaitTask } from '../../helpers/sdk-client.js';
import { EVERY_COMBINATION } from '../../helpers/wire-combinations.js';


/** `.invalid` never resolves (RFC 6761 §6.4), on any machine, with or without DNS. */
const UNRESOLVABLE = 'https://receiver.invalid/hook';

describe('push config delete is idempotent; creation judges only what the URL shows', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    // No allow-list: the production SSRF rules apply.
    env = await startRuntime(undefined, { grpcPort: 0 });
  });
  after(async () => {
    await env.close();
  });

  for (const { protocol, binding } of EVERY_COMBINATION) {
    describe(`A2A ${protocol} over ${binding}`, () => {
      let client: Client;
      before(async () => {
        client = (await connectAgent({ url: env.url, protocol, binding })).client;
      });

      test('deleting a config twice succeeds both times, as does deleting one never created', async () => {
        const taskId = await startWaitTask(client);
        try {
          const created = await client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId, id: 'twice', url: UNRESOLVABLE }));
          assert.equal(created.url, UNRESOLVABLE, 'a host that does not resolve is accepted at creation');
          await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: 'twice' });
          await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: 'twice' });
          await client.deleteTaskPushNotificationConfig({ tenant: '', taskId, id: 'never-created' });
          const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId, pageSize: 0, pageToken: '' });
          assert.deepEqual(listed.configs, []);
        } finally {
          await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
        }
      });

      test('deleting a config of a task that does not exist is still task not found', async () => {
        await assert.rejects(client.deleteTaskPushNotificationConfig({ tenant: '', taskId: 'no-such-task', id: 'any' }), (err: Error) => err.name === 'TaskNotFoundError');
      });
    });
  }

  test('an SSRF target is still refused at creation: a cloud metadata address, a loopback one', async () => {
    const client = (await connectAgent({ url: env.url, protocol: '1.0', binding: 'jsonrpc' })).client;
    const taskId = await startWaitTask(client);
    try {
      for (const url of ['https://169.254.169.254/latest/meta-data', 'https://127.0.0.1:9/hook']) {
        await assert.rejects(client.createTaskPushNotificationConfig(TaskPushNotificationConfig.fromJSON({ taskId, url })), (err: Error) => /not allowed|invalid/i.test(`${err.name} ${err.message}`), url);
      }
    } finally {
      await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
    }
  });

  test('JSON-RPC answers each delete with result null, HTTP+JSON with 204', async () => {
    const client = (await connectAgent({ url: env.url, protocol: '1.0', binding: 'jsonrpc' })).client;
    const taskId = await startWaitTask(client);
    try {
      for (let i = 0; i < 2; i++) {
        const rpc = await fetch(env.url, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' }, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'DeleteTaskPushNotificationConfig', params: { taskId, id: 'gone' } }) });
        assert.deepEqual(await rpc.json(), { jsonrpc: '2.0', id: i, result: null });
        const rest = await fetch(`${env.url}/tasks/${taskId}/pushNotificationConfigs/gone`, { method: 'DELETE', headers: { 'a2a-version': '1.0' } });
        assert.equal(rest.status, 204);
      }
    } finally {
      await client.cancelTask(CancelTaskRequest.fromJSON({ id: taskId }));
    }
  });
});
