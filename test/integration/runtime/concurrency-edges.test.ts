import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { MemoryBus } from '../../../src/storage/index.js';
import { rpc, startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';


test('a blocking SendMessage returns when another replica cancels its task', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-2rep-'));
  const bus = new MemoryBus();
  const replicas: Runtime[] = [];
  try {
    for (let i = 0; i < 2; i++) replicas.push(await createRuntime({ agents: [testAgent], bus, config: { port: 0, dataDir, logLevel: 'silent' } }));
    const [a, b] = await Promise.all(replicas.map((r) => r.listen()));
    const message = userMessage('hold', { metadata: { skillId: 'wait' } });
    const blocking = rpc(a!.url, 'SendMessage', { message });
    let taskId = '';
    await until('the task to run on replica A', async () => {
      const list = await rpc(b!.url, 'ListTasks', {});
      taskId = list.body.result.tasks[0]?.id ?? '';
      return list.body.result.tasks[0]?.status.state === 'TASK_STATE_WORKING';
    });
    const canceled = await rpc(b!.url, 'CancelTask', { id: taskId });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    const answered = await blocking;
    assert.equal(answered.body.result.task.status.state, 'TASK_STATE_CANCELED', 'A answers with the canceled task');
  } finally {
    for (const r of replicas) await r.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('concurrent sends with one messageId start one task', async () => {
  const env = await startRuntime();
  try {
    const message = userMessage('once only');
    const answers = await Promise.all(Array.from({ length: 20 }, () => rpc(env.url, 'SendMessage', { message })));
    const ids = new Set(answers.map((a) => a.body.result.task.id));
    assert.equal(ids.size, 1);
  } finally {
    await env.close();
  }
});

test('a message to a task that is working and has not asked anything is refused, not queued as a later answer', async () => {
  const env = await startRuntime();
  try {
    const started = await rpc(env.url, 'SendMessage', { message: userMessage('x', { metadata: { skillId: 'wait' } }), configuration: { returnImmediately: true } });
    const task = started.body.result.task;
    await until('the task to work', async () => (await rpc(env.url, 'GetTask', { id: task.id })).body.result.status.state === 'TASK_STATE_WORKING');
    const early = await rpc(env.url, 'SendMessage', { message: userMessage('too early', { taskId: task.id }) });
    assert.equal(early.body.error.code, -32004);
    assert.match(early.body.error.message, /not waiting for input/);
    await rpc(env.url, 'CancelTask', { id: task.id });
  } finally {
    await env.close();
  }
});

test('with an authenticate hook, an anonymous caller cannot choose a tenant in its params', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-tenant-'));
  const runtime = await createRuntime({
    agents: [testAgent],
    authenticate: async (request) => (request.headers['x-test-key'] === 'acme-key' ? { id: 'acme-client', tenant: 'acme', scopes: [] } : undefined),
    config: { port: 0, dataDir, logLevel: 'silent' },
  });
  try {
    const { url } = await runtime.listen();
    const acme = { 'A2A-Version': '1.0', 'x-test-key': 'acme-key' };
    const created = await rpc(url, 'SendMessage', { message: userMessage('secret') }, acme);
    const id = created.body.result.task.id;
    assert.equal((await rpc(url, 'GetTask', { id }, acme)).body.result.id, id, 'its own tenant sees it');
    const sneaky = await rpc(url, 'GetTask', { id, tenant: 'acme' });
    assert.equal(sneaky.body.error.code, -32001, 'an anonymous caller naming the tenant does not');
    assert.equal((await rpc(url, 'CancelTask', { id, tenant: 'acme' })).body.error.code, -32001);
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
