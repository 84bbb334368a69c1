import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../../src/runtime/index.js';
import { MemoryBus } from '../../../src/storage/index.js';
import { rpc, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';


test('a client that drops a SubscribeToTask stream leaves no subscription behind', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-drop-'));
  const bus = new MemoryBus();
  const runtime = await createRuntime({ agents: [testAgent], bus, config: { port: 0, dataDir, logLevel: 'silent' } });
  try {
    const { url } = await runtime.listen();
    const started = await rpc(url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    const taskId = started.body.result.task.id as string;
    for (const route of ['jsonrpc', 'rest'] as const) {
      const client = new AbortController();
      const response =
        route === 'jsonrpc'
          ? await fetch(url, { method: 'POST', signal: client.signal, headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id: taskId } }) })
          : await fetch(`${url}/tasks/${taskId}:subscribe`, { method: 'POST', signal: client.signal, headers: { 'A2A-Version': '1.0' } });
      const reader = response.body!.getReader();
      await reader.read(); // the task snapshot: the stream is live
      await until(`the ${route} subscription`, () => bus.subscribers(`task.${taskId}`) === 1);
      client.abort();
      await until(`the ${route} subscription to end after the client left`, () => bus.subscribers(`task.${taskId}`) === 0);
    }
    const canceled = await rpc(url, 'CancelTask', { id: taskId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
