/**
 * A slow or failing receiver holds only its own deliveries (ADR 0027): while
 * one origin's requests hang, a config whose receiver is up gets its first
 * notification at once, not after the slow ones time out. Real worker loop
 * (`start()`), real webhook servers on 127.0.0.1, SQLite.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PushDeliveryWorker, SealedPushStore } from '../../../src/runtime/push/index.js';
import { deriveSealingKey } from '../../../src/storage/index.js';
import { events, startHarness, type Harness } from './push-harness.js';

const KEY = deriveSealingKey('k'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');

/** A receiver that takes every request and never answers: what a hung webhook looks like from here. */
async function startHangingReceiver(t: { after(fn: () => Promise<void>): void }) {
  const open: ServerResponse[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  let firstAborted!: () => void;
  const aborted = new Promise<void>((resolve) => (firstAborted = resolve));
  const server = createServer((req, res) => {
    req.resume();
    open.push(res);
    // The worker gave up on it (its timeout): the slow receiver's requests did not hold the others.
    res.on('close', () => {
      if (!res.writableEnded) firstAborted();
    });
    if (waiting !== undefined && open.length >= waiting.count) waiting.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const res of open) res.end();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open,
    aborted,
    received: (count: number) => new Promise<void>((resolve) => (open.length >= count ? resolve() : (waiting = { count, resolve }))),
  };
}

async function taskWithConfig(h: Harness, sealed: SealedPushStore, id: string, url: string): Promise<void> {
  await h.createTask(id);
  await sealed.putConfig({ taskId: id, id: 'hook', tenant: 'default', config: JSON.stringify({ tenant: 'default', taskId: id, id: 'hook', url }), protocol: '1.0', createdAt: h.clock.now });
  await h.append(id, [events.status(id, 'TASK_STATE_WORKING')]);
}

/**
 * A harness, a receiver that hangs, and a delivery worker (through the sealing store, with `options`)
 * started on `rows` tasks notifying that receiver: resolves once the receiver holds `hanging` of their
 * requests. The worker stops after the test.
 */
async function stuckOnSlowReceiver(t: TestContext, options: { pollIntervalMs: number; timeoutMs: number; originConcurrency?: number }, load: { rows: number; hanging: number }) {
  const h = await startHarness(t);
  const slow = await startHangingReceiver(t);
  const sealed = new SealedPushStore(h.stores.push, KEY);
  const worker = new PushDeliveryWorker({ ...h.workerOptions, pushStore: sealed, ...options });
  t.after(() => worker.stop());
  for (let i = 0; i < load.rows; i++) await taskWithConfig(h, sealed, `slow-${i}`, `${slow.origin}/hooks/${i}`);
  worker.start();
  await slow.received(load.hanging);
  return { h, slow, sealed };
}

test('while one receiver hangs, another receiver gets its first notification at once', { timeout: 60_000 }, async (t) => {
  // A timeout long enough that waiting it out is a failure, short enough that the old loop fails fast.
  const { h, slow, sealed } = await stuckOnSlowReceiver(t, { pollIntervalMs: 50, timeoutMs: 5_000 }, { rows: 4, hanging: 4 });

  const live = h.nextRequest();
  await taskWithConfig(h, sealed, 'live', `${h.origin}/hooks/live`);
  const first = await Promise.race([live.then(() => 'live receiver served'), slow.aborted.then(() => 'slow receiver timed out first')]);
  assert.equal(first, 'live receiver served');
  assert.equal(slow.open.filter((res) => !res.writableEnded && !res.destroyed).length, 4, 'the slow requests are still waiting');
  assert.equal(h.received.length, 1);
  assert.equal(h.received[0]!.path, '/hooks/live');
});

test('a slow receiver gets no more of its rows while its own are in flight, and the rest after they settle', { timeout: 60_000 }, async (t) => {
  const { h, slow, sealed } = await stuckOnSlowReceiver(t, { pollIntervalMs: 20, originConcurrency: 2, timeoutMs: 5_000 }, { rows: 5, hanging: 2 });
  // Many polls pass while the two hang: none claims a third row of that origin.
  const live = h.nextRequest();
  await taskWithConfig(h, sealed, 'live', `${h.origin}/hooks/live`);
  await live;
  for (let i = 0; i < 3; i++) {
    const next = h.nextRequest();
    await taskWithConfig(h, sealed, `live-${i}`, `${h.origin}/hooks/live-${i}`);
    await next;
  }
  assert.equal(slow.open.length, 2, 'at most originConcurrency requests to the slow receiver');
  // Answered: its next rows are claimed.
  for (const res of slow.open.splice(0)) res.writeHead(200).end();
  await slow.received(2);
  assert.equal(slow.open.length, 2);
});
