import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUSH_SIGNATURE_HEADER, PushDeliveryWorker, verifyPushSignature } from '../../../src/runtime/push/index.js';
import { ISSUER, events, startHarness } from './push-harness.js';
import type { Harness, Received } from './push-harness.js';
import { closedPort } from '../../helpers/free-port.js';

const TOKEN = 'tok-secret-123';
const CREDENTIALS = 'cred-secret-456';

/** Verifies a received notification the way a receiver would, against the agent's JWKS URL. */
async function verify(h: Harness, r: Received, audience: string, issuer = ISSUER) {
  return verifyPushSignature({
    jwksUrl: h.jwksUrl,
    signature: String(r.headers[PUSH_SIGNATURE_HEADER.toLowerCase()]),
    body: r.raw,
    audience,
    issuer,
    now: h.clock.now,
  });
}

describe('push delivery', () => {
  test('delivers every notification in order once a down webhook comes back, each signed', async (t) => {
    const logLines: string[] = [];
    const h = await startHarness(t, { logLines });
    const url = `${h.origin}/hooks/a2a?client=7`;
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url, token: TOKEN, authentication: { scheme: 'Bearer', credentials: CREDENTIALS } });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING'), events.userMessage('t1', 'more detail'), events.artifact('t1', 'Q3 report')]);
    await h.append('t1', [events.status('t1', 'TASK_STATE_COMPLETED')]);

    // Down: only the head of the queue is tried, and retried with backoff (random = 1: 1 s, then 2 s).
    h.reply = () => ({ status: 503 });
    assert.equal(await h.worker.runOnce(), 1);
    assert.equal(await h.worker.runOnce(), 0, 'not due again before the backoff');
    h.clock.now += 1_000;
    assert.equal(await h.worker.runOnce(), 1);
    h.clock.now += 1_999;
    assert.equal(await h.worker.runOnce(), 0);
    assert.equal(h.received.length, 2);
    assert.ok(h.received.every((r) => 'statusUpdate' in r.json), 'the later events wait behind the first');

    // Back up: everything arrives, in order, the internal history entry skipped.
    h.reply = () => ({ status: 200 });
    h.clock.now += 1;
    await h.drain();
    const delivered = h.received.slice(2);
    assert.deepEqual(
      delivered.map((r) => Object.keys(r.json)[0]),
      ['statusUpdate', 'artifactUpdate', 'statusUpdate'],
    );
    assert.equal((delivered[0]!.json.statusUpdate as { status: { state: string } }).status.state, 'TASK_STATE_WORKING');
    assert.equal((delivered[2]!.json.statusUpdate as { status: { state: string } }).status.state, 'TASK_STATE_COMPLETED');

    const jtis = new Set<string>();
    for (const r of h.received) {
      const claims = await verify(h, r, url);
      jtis.add(claims.jti);
      assert.equal(r.headers['content-type'], 'application/a2a+json');
      assert.equal(r.headers.authorization, `Bearer ${CREDENTIALS}`);
      assert.equal(r.headers['x-a2a-notification-token'], TOKEN);
      assert.equal(r.path, '/hooks/a2a?client=7');
      // The de-duplication key: the event's sequence, signed, the same on every attempt.
      assert.equal(String(claims.event_seq), r.headers['agentmesh-event-seq']);
    }
    assert.equal(jtis.size, h.received.length, 'a fresh jti per attempt');
    assert.deepEqual([...new Set(h.received.map((r) => Number(r.headers['agentmesh-event-seq'])))], [2, 4, 5], 'retries of one event repeat its seq; each event has its own (3 joins the history: no notification)');

    const outbox = await h.outbox();
    assert.deepEqual(
      outbox.map((o) => [o.seq, o.state, o.attempts]),
      [
        [2, 'delivered', 3],
        [3, 'delivered', 1],
        [4, 'delivered', 1],
        [5, 'delivered', 1],
      ],
    );
    assert.equal(await h.counter('agentmesh_push_deliveries_total', { outcome: 'retry' }), 2);
    assert.equal(await h.counter('agentmesh_push_deliveries_total', { outcome: 'delivered' }), 3);
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'server_error' }), 2);
    assert.equal(await h.counter('agentmesh_push_outbox_pending', {}), 0);

    const logs = logLines.join('\n');
    assert.match(logs, /retry scheduled/);
    for (const secret of [TOKEN, CREDENTIALS, 'client=7']) assert.equal(logs.includes(secret), false, `logs leak ${secret}`);
  });

  test("waits for a 429's Retry-After when it is longer than the backoff", async (t) => {
    const h = await startHarness(t);
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url: `${h.origin}/hook` });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING')]);

    h.reply = () => ({ status: 429, headers: { 'retry-after': '30' } });
    assert.equal(await h.worker.runOnce(), 1);
    h.reply = () => ({ status: 200 });
    h.clock.now += 29_999;
    assert.equal(await h.worker.runOnce(), 0);
    h.clock.now += 1;
    assert.equal(await h.worker.runOnce(), 1);
    assert.deepEqual((await h.outbox()).map((o) => o.state), ['delivered']);
  });

  test('dead-letters a notification once the retry window has passed, then moves on', async (t) => {
    const h = await startHarness(t, { worker: { retryWindowMs: 60_000 } });
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url: `${h.origin}/hook` });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING'), events.status('t1', 'TASK_STATE_COMPLETED')]);

    // A 404 is retried (the owner may fix the receiver) but counted as a client error.
    h.reply = () => ({ status: 404 });
    await h.worker.runOnce();
    h.clock.now += 60_000;
    await h.worker.runOnce();
    const [first] = await h.outbox();
    assert.equal(first!.state, 'dead');
    assert.equal(first!.last_error, 'HTTP 404 (retry window elapsed)');
    assert.equal(await h.counter('agentmesh_push_deliveries_total', { outcome: 'dead' }), 1);
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'client_error' }), 2);
    assert.equal(await h.counter('agentmesh_push_outbox_dead', {}), 1);

    // The dead row no longer blocks the queue.
    h.reply = () => ({ status: 200 });
    assert.equal(await h.worker.runOnce(), 1);
    assert.deepEqual((await h.outbox()).map((o) => o.state), ['dead', 'delivered']);
    const last = h.received.at(-1)!.json.statusUpdate as { status: { state: string } };
    assert.equal(last.status.state, 'TASK_STATE_COMPLETED');
  });

  test('retries an unreachable webhook as a network failure and stops after maxAttempts', async (t) => {
    const h = await startHarness(t, { worker: { maxAttempts: 2 } });
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING')]);

    await h.worker.runOnce();
    let [row] = await h.outbox();
    assert.equal(row!.state, 'pending');
    assert.equal(row!.last_error, 'network error: ECONNREFUSED');
    h.clock.now += 1_000;
    await h.worker.runOnce();
    [row] = await h.outbox();
    assert.equal(row!.state, 'dead');
    assert.equal(row!.last_error, 'network error: ECONNREFUSED (2 attempts)');
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'network' }), 2);
  });

  test('dead-letters at once a webhook that points at a metadata or private address, sending nothing', async (t) => {
    const h = await startHarness(t, { dns: { 'hooks.partner.example': '10.0.0.7' } });
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'metadata', url: 'https://169.254.169.254/latest/meta-data/iam' });
    await h.putConfig('t1', { id: 'rebound', url: 'https://hooks.partner.example/a2a' });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING')]);

    assert.equal(await h.worker.runOnce(), 2);
    assert.equal(h.received.length, 0);
    const rows = await h.outbox();
    assert.deepEqual(rows.map((r) => [r.config_id, r.state, r.attempts]), [
      ['metadata', 'dead', 1],
      ['rebound', 'dead', 1],
    ]);
    assert.match(rows[0]!.last_error!, /^target refused by the SSRF guard: .*169\.254\.169\.254 is cloud metadata/);
    assert.match(rows[1]!.last_error!, /^target refused by the SSRF guard: .*resolves to a private address/);
    assert.equal(await h.counter('agentmesh_push_delivery_failures_total', { reason: 'ssrf_blocked' }), 2);
    assert.equal(await h.counter('agentmesh_push_deliveries_total', { outcome: 'dead' }), 2);
  });

  test('sends a webhook registered over v0.3 bare v0.3 events', async (t) => {
    const h = await startHarness(t);
    const url = `${h.origin}/v03-hook`;
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url, token: TOKEN }, '0.3');
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING'), events.artifact('t1', 'Q3 report'), events.status('t1', 'TASK_STATE_COMPLETED')]);

    await h.drain();
    assert.deepEqual(
      h.received.map((r) => [r.json.kind, (r.json.status as { state?: string } | undefined)?.state, r.json.final]),
      [
        ['status-update', 'working', false],
        ['artifact-update', undefined, undefined],
        ['status-update', 'completed', true],
      ],
    );
    for (const r of h.received) {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.json.taskId, 't1');
      await verify(h, r, url);
    }
  });

  test('delivers several tasks concurrently, each in order, signed by its own agent', async (t) => {
    const h = await startHarness(t, { worker: { agentBaseUrl: (_taskId, task) => `https://mesh.example.com/agents/${task.agent}` } });
    const ids = ['t1', 't2', 't3'];
    for (const id of ids) {
      await h.createTask(id);
      await h.putConfig(id, { id: 'cfg', url: `${h.origin}/hook/${id}` });
      await h.append(id, [events.status(id, 'TASK_STATE_WORKING'), events.artifact(id, `report ${id}`), events.status(id, 'TASK_STATE_COMPLETED')]);
    }

    assert.equal(await h.worker.runOnce(), 3, 'one head row per task in the first batch');
    await h.drain();
    assert.equal(h.received.length, 9);
    for (const id of ids) {
      const mine = h.received.filter((r) => r.path === `/hook/${id}`);
      assert.deepEqual(mine.map((r) => Object.keys(r.json)[0]), ['statusUpdate', 'artifactUpdate', 'statusUpdate'], id);
      const claims = await verify(h, mine[0]!, `${h.origin}/hook/${id}`, 'https://mesh.example.com/agents/sales');
      assert.equal(claims.iss, 'https://mesh.example.com/agents/sales');
    }
  });

  test('stop() waits for the delivery in flight', async (t) => {
    const h = await startHarness(t, { worker: { pollIntervalMs: 60_000 } });
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url: `${h.origin}/slow` });
    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING')]);

    h.reply = () => 'hang';
    const arrived = h.nextRequest();
    h.worker.start();
    await arrived;
    let stopped = false;
    const stopping = h.worker.stop().then(() => {
      stopped = true;
    });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop() returned while a delivery was in flight');
    h.releaseHung(200);
    await stopping;
    assert.deepEqual((await h.outbox()).map((o) => o.state), ['delivered']);
  });

  test('wake() delivers new events without waiting for the poll interval', async (t) => {
    const h = await startHarness(t, { worker: { pollIntervalMs: 60_000 } });
    await h.createTask('t1');
    await h.putConfig('t1', { id: 'cfg-1', url: `${h.origin}/hook` });
    h.worker.start();
    assert.equal(await h.worker.runOnce(), 0, 'nothing due yet');

    await h.append('t1', [events.status('t1', 'TASK_STATE_WORKING')]);
    const arrived = h.nextRequest();
    h.worker.wake();
    const r = await arrived;
    assert.equal((r.json.statusUpdate as { status: { state: string } }).status.state, 'TASK_STATE_WORKING');
  });

  test('refuses options that would double-send or never retry', async (t) => {
    const h = await startHarness(t);
    const invalid = (pattern: RegExp) => (err: Error & { code?: string }) => err.code === 'AM_ERR_CONFIG_INVALID' && pattern.test(err.message);
    assert.throws(
      () => new PushDeliveryWorker({ ...h.workerOptions, leaseMs: 5_000, timeoutMs: 10_000 }),
      invalid(/"leaseMs" option \(5000\) must exceed "timeoutMs" \(10000\)/),
    );
    assert.throws(() => new PushDeliveryWorker({ ...h.workerOptions, batchSize: 0 }), invalid(/"batchSize" option must be a positive integer, got 0/));
    assert.throws(() => new PushDeliveryWorker({ ...h.workerOptions, backoff: { baseMs: 10_000, maxMs: 1_000 } }), invalid(/"backoff.maxMs" option must be at least/));
  });
});
