import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../../../src/runtime/runtime.js';
import { defineAgent } from '../../../src/contracts/agent/define-agent.js';
import { createBus } from '../../../src/storage/bus/create-bus.js';
import { createDatabase } from '../../../src/storage/database.js';
import { untilAborted } from '../../helpers/runtime-fixture.js';

let started: () => void = () => undefined;
const agent = defineAgent({
  card: { name: 'clocked', description: 'Runs until stopped' },
  skills: {
    echo: { description: 'Answers at once', handler: async (text: string) => text },
    wait: {
      description: 'Runs until stopped',
      handler: async (_: string, ctx) => {
        started();
        await untilAborted(ctx.signal);
      },
    },
  },
});

/*
 * RuntimeOptions.now is the clock of task timestamps and skill deadlines;
 * deliverPushNow() runs a push delivery pass on a runtime that does not listen.
 */
test('createRuntime({ now }) stamps tasks and times skills out on the given clock', async () => {
  let now = Date.parse('2031-05-01T12:00:00Z');
  const database = await createDatabase({ sqlitePath: ':memory:' });
  const bus = await createBus();
  const runtime = await createRuntime({ agents: [agent], database, bus, now: () => now, config: { logLevel: 'silent', storageSecret: 'a'.repeat(40), dataDir: '/nonexistent-agentmesh-test' } });
  try {
    const send = async (skillId: string) => {
      const response = await runtime.app.inject({
        method: 'POST', url: '/', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }], metadata: { skillId } } } }),
      });
      return response.json().result.task;
    };
    assert.equal((await send('echo')).status.timestamp, '2031-05-01T12:00:00.000Z');
    // `wait` runs until stopped; its deadline (10 minutes, the default) is set before its handler runs.
    const running = new Promise<void>((resolve) => (started = resolve));
    const pending = send('wait');
    await running;
    now += 600_001;
    // The deadline check's timer is unref'd: hold the process until it has run (every 100 ms).
    const hold = setInterval(() => undefined, 1000);
    const task = await pending.finally(() => clearInterval(hold));
    assert.equal(task.status.state, 'TASK_STATE_FAILED');
    assert.match(task.status.message.parts[0].text, /timed out after 600000 ms/);
    assert.equal(await runtime.deliverPushNow(), 0, 'no push config: nothing to deliver');
  } finally {
    await runtime.close();
    await bus.close();
    await database.close();
  }
});
