/**
 * Backoff belongs to the receiver (ADR 0027), on the embedded SQLite store
 * with a fake clock: while a webhook origin fails, one probe per origin on
 * its backoff instead of one retry per task; the probe's success releases
 * every due row of it at once; at most `originConcurrency` rows of one
 * origin per cycle; a config the replica cannot open is settled at once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PushDeliveryWorker, SealedPushStore } from '../../../src/runtime/push/index.js';
import { deriveSealingKey } from '../../../src/storage/index.js';
import { events, startHarness, type Harness } from './push-harness.js';

const KEY = deriveSealingKey('k'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');
const OTHER_KEY = deriveSealingKey('o'.repeat(32), 'agentmesh/runtime', 'push-config-encryption v1');

/** A worker reading configs through a sealing store, as the runtime's does (configs then carry an origin key). */
function sealedWorker(h: Harness, options: Partial<ConstructorParameters<typeof PushDeliveryWorker>[0]> = {}): { worker: PushDeliveryWorker; sealed: SealedPushStore } {
  const sealed = new SealedPushStore(h.stores.push, KEY);
  const worker = new PushDeliveryWorker({ ...h.workerOptions, pushStore: sealed, ...options });
  return { worker, sealed };
}

/** `tasks` tasks, each with a config on the harness's webhook and `notifications` status events. */
async function backlog(h: Harness, sealed: SealedPushStore, tasks: number, notifications: number): Promise<string[]> {
  const ids = Array.from({ length: tasks }, (_, i) => `t${String(i).padStart(2, '0')}`);
  for (const id of ids) {
    await h.createTask(id);
    await sealed.putConfig({ taskId: id, id: 'hook', tenant: 'default', config: JSON.stringify({ tenant: 'default', taskId: id, id: 'hook', url: `${h.origin}/hooks/${id}` }), protocol: '1.0', createdAt: h.clock.now });
    await h.append(
      id,
      Array.from({ length: notifications }, (_, n) => events.artifact(id, `n${n}`)),
    );
  }
  return ids;
}

async function drain(worker: PushDeliveryWorker): Promise<number> {
  let total = 0;
  for (let n = await worker.runOnce(); n > 0; n = await worker.runOnce()) total += n;
  return total;
}

const textOf = (json: Record<string, unknown>): string => (json.artifactUpdate as { artifact: { parts: Array<{ text: string }> } }).artifact.parts[0]!.text;

describe('push backoff per origin (SQLite)', () => {
  test('while the receiver is down, one probe per origin on its backoff; its first success releases every row at once, in order per task', async (t) => {
    const h = await startHarness(t);
    const { worker, sealed } = sealedWorker(h, { originConcurrency: 4 });
    const ids = await backlog(h, sealed, 12, 3);
    let down = true;
    h.reply = () => (down ? { status: 503 } : { status: 200 });

    // The first cycle tries at most originConcurrency heads of the origin; they fail together and mark it failing.
    assert.equal(await worker.runOnce(), 4);
    assert.equal(h.received.length, 4);
    assert.equal(await worker.runOnce(), 0, 'the origin is failing: none of its rows is claimed');

    // A minute of outage: only probes, on the origin's backoff (random = 1: 1 s, 2 s, 4 s, then the 5 s cap).
    const probesAt: number[] = [];
    const start = h.clock.now;
    for (let ms = 0; ms < 60_000; ms += 250) {
      h.clock.now = start + ms;
      const before = h.received.length;
      await drain(worker);
      assert.ok(h.received.length - before <= 1, 'at most one request per cycle to a failing origin');
      if (h.received.length > before) probesAt.push(ms);
    }
    assert.deepEqual(probesAt.slice(0, 4), [1_000, 3_000, 7_000, 12_000]);
    assert.ok(probesAt.every((at, i) => i < 4 || at - probesAt[i - 1]! === 5_000), `probes every 5 s once capped: ${probesAt.join(', ')}`);
    const attemptsDuringOutage = h.received.length;
    assert.ok(attemptsDuringOutage <= 4 + 1 + 60 / 5, `attempts bounded by the origin's backoff, got ${attemptsDuringOutage}`);
    assert.ok(attemptsDuringOutage < ids.length * 3, 'not one retry per row');
    assert.ok(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'server_error' }) >= attemptsDuringOutage);

    // The receiver is back: the next probe succeeds and every row follows without the clock moving.
    down = false;
    h.received.length = 0;
    h.clock.now = start + 60_000 + 5_000;
    await drain(worker);
    const outbox = await h.outbox();
    assert.ok(
      outbox.every((r) => r.state === 'delivered'),
      `all delivered: ${JSON.stringify(outbox.filter((r) => r.state !== 'delivered'))}`,
    );
    for (const id of ids) {
      const texts = h.received.filter((r) => r.path === `/hooks/${id}`).map((r) => textOf(r.json));
      assert.deepEqual(texts, ['n0', 'n1', 'n2'], `${id} in order, once each`);
    }
  });

  test("a task's notifications follow one another in one pass, without waiting for the next claim", async (t) => {
    const h = await startHarness(t);
    // A lane chains a task's rows for at most one poll interval of wall time: a long one keeps that bound
    // (500 ms by default, which a cold or loaded process can spend on ten deliveries) out of what is pinned here.
    const { worker, sealed } = sealedWorker(h, { pollIntervalMs: 60_000 });
    await backlog(h, sealed, 2, 5);
    assert.equal(await worker.runOnce(), 10);
    for (const id of ['t00', 't01']) {
      assert.deepEqual(h.received.filter((r) => r.path === `/hooks/${id}`).map((r) => textOf(r.json)), ['n0', 'n1', 'n2', 'n3', 'n4']);
    }
  });

  test('a slow receiver gets at most originConcurrency rows per cycle from a replica', async (t) => {
    const h = await startHarness(t);
    const { worker, sealed } = sealedWorker(h, { originConcurrency: 3 });
    await backlog(h, sealed, 8, 1);
    let inFlight = 0;
    let most = 0;
    let threeArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (threeArrived = resolve));
    h.reply = () => {
      most = Math.max(most, ++inFlight);
      if (inFlight === 3) threeArrived();
      return 'hang';
    };
    const cycle = worker.runOnce();
    await arrived;
    h.releaseHung(200);
    assert.equal(await cycle, 3, 'the claim took three rows of the slow origin, not all eight heads');
    assert.equal(most, 3);
    // The rest follow, three at a time, as the answers come.
    h.reply = () => ({ status: 200 });
    assert.equal(await drain(worker), 5);
  });

  test('a probe answered with a 4xx says the origin is up: the other rows go; the refused row backs off on its own', async (t) => {
    const h = await startHarness(t);
    const { worker, sealed } = sealedWorker(h, { originConcurrency: 2 });
    await backlog(h, sealed, 3, 1);
    let phase: 'down' | 'one-refused' = 'down';
    h.reply = (r) => (phase === 'down' ? { status: 502 } : r.path === '/hooks/t00' ? { status: 404 } : { status: 200 });
    h.clock.now += 100;
    assert.equal(await worker.runOnce(), 2);
    assert.equal(await worker.runOnce(), 0);
    phase = 'one-refused';
    h.clock.now += 1_000;
    // The probe takes the head row tried longest ago: t02's, never tried.
    assert.equal(await worker.runOnce(), 1);
    assert.equal(h.received.at(-1)!.path, '/hooks/t02');
    await drain(worker);
    const states = Object.fromEntries((await h.outbox()).map((r) => [r.task_id, r.state]));
    assert.deepEqual(states, { t00: 'pending', t01: 'delivered', t02: 'delivered' });
  });

  test('once the retry window has passed, the rows held behind a failing origin are dead-lettered with its probe, not one probe at a time', async (t) => {
    const h = await startHarness(t);
    const { worker, sealed } = sealedWorker(h, { originConcurrency: 2, retryWindowMs: 10_000 });
    await backlog(h, sealed, 5, 2);
    h.reply = () => ({ status: 503 });
    assert.equal(await worker.runOnce(), 2);
    h.clock.now += 10_000;
    assert.equal(await worker.runOnce(), 1, 'the probe');
    const outbox = await h.outbox();
    assert.ok(outbox.every((r) => r.state === 'dead'), JSON.stringify(outbox));
    assert.ok(outbox.every((r) => /HTTP 503 \(retry window elapsed\)/.test(r.last_error ?? '')));
    assert.equal(await h.counter('agentmesh_push_deliveries_total', { outcome: 'dead' }), 10);
    assert.equal(h.received.length, 3, 'two of the first wave and one probe');
  });

  test('a config this replica cannot open is dead-lettered at once with its reason and counted, and the task moves on', async (t) => {
    const h = await startHarness(t);
    const { sealed } = sealedWorker(h);
    await backlog(h, sealed, 1, 2);
    // A replica whose key is not the one that sealed the config, but which holds the database's secret.
    const foreign = new PushDeliveryWorker({ ...h.workerOptions, pushStore: new SealedPushStore(h.stores.push, OTHER_KEY), secretIsCurrent: async () => true });
    // The next notification of the task is settled in the same pass, not after a lease.
    assert.equal(await foreign.runOnce(), 2);
    for (const row of await h.outbox()) {
      assert.equal(row.state, 'dead');
      assert.match(row.last_error ?? '', /cannot be opened.*AGENTMESH_SECRET/);
    }
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'config_unreadable' }), 2);
    assert.equal(h.received.length, 0);
  });

  test('a replica whose own secret is stale releases the row at once for a replica that can open it', async (t) => {
    const h = await startHarness(t);
    const { worker, sealed } = sealedWorker(h);
    await backlog(h, sealed, 1, 1);
    const stale = new PushDeliveryWorker({ ...h.workerOptions, replicaId: 'replica-stale', pushStore: new SealedPushStore(h.stores.push, OTHER_KEY), secretIsCurrent: async () => false });
    assert.equal(await stale.runOnce(), 1);
    const [row] = await h.outbox();
    assert.equal(row!.state, 'pending', 'released, not dead-lettered');
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'config_unreadable' }), 1);
    // Released, not leased: a replica with the right secret delivers it once it is due (1 s, not the 30 s lease).
    h.clock.now += 1_000;
    assert.equal(await worker.runOnce(), 1);
    assert.equal((await h.outbox())[0]!.state, 'delivered');
    assert.equal(h.received.length, 1);
  });

  test('origin options are checked at construction, naming the option', async (t) => {
    const h = await startHarness(t);
    assert.throws(() => new PushDeliveryWorker({ ...h.workerOptions, originBackoff: { baseMs: 10_000, maxMs: 1_000 } }), /"originBackoff.maxMs" option must be at least/);
    assert.throws(() => new PushDeliveryWorker({ ...h.workerOptions, originConcurrency: 0 }), /"originConcurrency" option must be a positive integer/);
  });
});
