/**
 * `ctx.detached` tells a handler whose signal aborted whether its task was
 * let go to run again elsewhere (do not undo work the re-run picks up) or
 * ended. A cancel another replica wrote (the owner did not answer its cancel
 * request in time: paused, partitioned) reaches the owner as the cancel
 * announcement on the bus: the task ended, so `ctx.detached` is false and the
 * handler undoes its work (an orchestrator's run cancels its children).
 * Before, it read true, as on a drain, and the run's children ran on.
 * A drain still reads true.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRuntime, defineAgent } from '../../../src/runtime/index.js';
import { MemoryBus } from '../../../src/storage/index.js';
import { CANCEL_TOPIC } from '../../../src/runtime/task-writes.js';
import { rpc, untilAborted, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

test('a cancel announced by another replica is not a let-go; a drain is', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-cancel-elsewhere-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const running = new Set<string>();
  const seen = new Map<string, boolean>();
  const agent = defineAgent({
    card: { name: 'waiter', description: 'Waits until stopped' },
    defaultSkill: 'wait',
    skills: {
      wait: {
        description: 'Waits until its signal aborts, then says whether it was let go',
        idempotent: true,
        handler: async (_: string, ctx) => {
          running.add(ctx.taskId);
          await untilAborted(ctx.signal);
          seen.set(ctx.taskId, ctx.detached);
        },
      },
    },
  });
  const bus = new MemoryBus();
  const runtime = await createRuntime({ agents: [agent], bus, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir } });
  let closed = false;
  t.after(async () => {
    if (!closed) await runtime.close();
  });
  const { agents } = await runtime.listen();
  const start = async () => {
    const sent = await rpc(agents['waiter']!, 'SendMessage', { message: userMessage('wait'), configuration: { returnImmediately: true } });
    const id: string = sent.body.result?.task?.id;
    assert.ok(id, JSON.stringify(sent.body));
    await until('the handler to run', () => running.has(id));
    return id;
  };

  // As the replica that wrote the cancel announces it.
  const canceled = await start();
  await bus.publish(CANCEL_TOPIC, { taskId: canceled });
  await until('the canceled handler to stop', () => seen.has(canceled));
  assert.equal(seen.get(canceled), false, 'a canceled task was not let go');

  const drained = await start();
  await runtime.close();
  closed = true;
  await until('the drained handler to stop', () => seen.has(drained));
  assert.equal(seen.get(drained), true, 'a drained idempotent task was let go');
});
