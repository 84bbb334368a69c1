/**
 * A webhook outage drill on two runtime replicas sharing PostgreSQL and
 * Redis (docs/adr/0027-push-backoff-per-origin.md): tasks with push configs
 * notify one receiver that drops every connection for a while, then answers
 * 200. While it is down, the replicas send it one probe at a time on the
 * origin's backoff (not one retry per task); once it is back, the whole
 * backlog arrives at once rather than at the backoff's pace, in order per
 * task, each notification once.
 *
 * The outage is shorter than a production one, with the same behaviour: it
 * outlasts the ramp of the origin's backoff (1 s, 2 s, 4 s, then its 5 s cap),
 * so the receiver returns while the probes are at their cap, as after a
 * minute's outage.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ORIGIN_BACKOFF_BASE_MS, DEFAULT_ORIGIN_BACKOFF_MAX_MS } from '../../src/runtime/push/index.js';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, waitFor, type TestSchema, withPgClient } from '../helpers/services.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const TASKS = 16;
const PROGRESS_PER_TASK = 6;
const OUTAGE_MS = 12_000;
/** Rows of one origin a replica claims per cycle (the worker's default `originConcurrency`). */
const ORIGIN_CONCURRENCY = 4;
const REPLICAS = 2;
/**
 * Longest the backlog may take to arrive once the receiver is back. A quiet machine takes 2 to 5 s (the
 * next probe within the 5 s cap, the rest at once); a loaded CI machine (two cores, load 20 to 40) took
 * over 20 s. Rows sent at the backoff's pace, each after at least half the cap, would take
 * 112 × 2.5 s = 280 s.
 */
const DRAIN_BOUND_MS = 60_000;

/** Reports `count` progress steps, then completes: each step is one notification. */
const ticker = oneSkillAgent({ name: 'ticker', description: 'Reports progress steps, then completes' }, 'tick', {
  description: 'Counts up',
  handler: async (_: string, ctx) => {
    for (let i = 0; i < PROGRESS_PER_TASK; i++) ctx.progress(`step ${i}`);
    return 'done';
  },
});

/**
 * Most probes an origin can get in `windowMs`: its delays are at least half
 * of `min(cap, base · 2^(n-1))` (equal jitter), so count the shortest ones.
 */
function mostProbesIn(windowMs: number): number {
  let probes = 0;
  for (let elapsed = 0, n = 1; ; n++) {
    elapsed += Math.ceil(Math.min(DEFAULT_ORIGIN_BACKOFF_MAX_MS, DEFAULT_ORIGIN_BACKOFF_BASE_MS * 2 ** (n - 1)) / 2);
    if (elapsed > windowMs) return probes;
    probes++;
  }
}

describe('push notifications through a webhook outage, two replicas', { skip }, () => {
  let schema: TestSchema;
  const stream = uniqueStreamKey();
  let replicas: RuntimeReplica[] = [];
  let server: Server;
  let hook: string;
  let down = true;
  /** Attempts that reached the receiver while it was down (each a connection it dropped). */
  let refused = 0;
  /** Notifications answered 200: task id and event seq, in arrival order. */
  const delivered: Array<{ taskId: string; seq: number; at: number }> = [];

  before(async () => {
    schema = await createTestSchema();
    server = createServer((req, res) => {
      if (down) {
        refused++;
        // As a receiver that is not there: the connection ends without an answer.
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { statusUpdate?: { taskId: string }; task?: { id: string }; artifactUpdate?: { taskId: string } };
        const taskId = body.statusUpdate?.taskId ?? body.task?.id ?? body.artifactUpdate?.taskId ?? '';
        delivered.push({ taskId, seq: Number(req.headers['agentmesh-event-seq']), at: Date.now() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/a2a`;
    const config = { dev: true, allowHosts: ['127.0.0.1'] };
    replicas = [await startRuntimeReplica(schema, stream, [ticker], config), await startRuntimeReplica(schema, stream, [ticker], config)];
  });

  after(async () => {
    for (const r of replicas) await stopRuntimeReplica(r);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await schema?.drop();
    await deleteRedisKey(stream);
  });

  test("one probe per origin while it is down; the backlog arrives in order, once each, well before the backoff's pace once it returns", async (t) => {
    const outageStarted = Date.now();
    const taskIds: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const replica = replicas[i % REPLICAS]!;
      const { body } = await rpc(replica.agents['ticker']!, 'SendMessage', { message: userMessage(`task ${i}`), configuration: { taskPushNotificationConfig: { url: hook, token: `token-${i}` } } });
      assert.equal(body.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
      taskIds.push(body.result.task.id as string);
    }

    await withPgClient(schema.url, async (db) => {
      const outbox = async () => (await db.query<{ task_id: string; seq: number; state: string }>('SELECT task_id, seq, state FROM push_outbox ORDER BY id')).rows;
      const rows = await outbox();
      assert.ok(rows.length >= TASKS * (PROGRESS_PER_TASK + 1), `every step and the completion are notifications: ${rows.length} rows`);

      // The outage: refused while the tasks ran, and on until OUTAGE_MS.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + OUTAGE_MS - Date.now())));
      const attemptsDuringOutage = refused;
      const outageMs = Date.now() - outageStarted;
      assert.equal(delivered.length, 0);
      // Each replica's first cycle may take ORIGIN_CONCURRENCY rows before any failure is known; then one probe at a time.
      const bound = REPLICAS * ORIGIN_CONCURRENCY + mostProbesIn(outageMs) + 1;
      assert.ok(attemptsDuringOutage >= 1, 'the replicas tried the receiver');
      assert.ok(attemptsDuringOutage <= bound, `attempts during a ${outageMs} ms outage bounded by the origin's backoff: ${attemptsDuringOutage} > ${bound}`);
      assert.ok(attemptsDuringOutage < TASKS, `not one retry per task: ${attemptsDuringOutage} attempts for ${TASKS} tasks`);

      down = false;
      const back = Date.now();
      await waitFor('every notification delivered', async () => ((await outbox()).every((r) => r.state === 'delivered') ? true : undefined), { timeoutMs: 2 * DRAIN_BOUND_MS, intervalMs: 100 });
      const drainedMs = Math.max(...delivered.map((d) => d.at)) - back;
      const firstMs = Math.min(...delivered.map((d) => d.at)) - back;
      assert.ok(drainedMs <= DRAIN_BOUND_MS, `backlog drained ${drainedMs} ms after the receiver came back (the first ${firstMs} ms after it)`);

      // In order per task and once each: exactly the task's outbox rows, by ascending seq.
      for (const taskId of taskIds) {
        const expected = rows.filter((r) => r.task_id === taskId).map((r) => r.seq);
        const got = delivered.filter((d) => d.taskId === taskId).map((d) => d.seq);
        assert.deepEqual(got, expected, `task ${taskId}: in order, no duplicates`);
      }
      assert.equal(delivered.length, rows.length);
      const origins = await db.query<{ n: string }>('SELECT count(*) AS n FROM push_origins');
      assert.equal(Number(origins.rows[0]!.n), 0, 'the origin is healthy again for every replica');
      t.diagnostic(`outage ${outageMs} ms: ${attemptsDuringOutage} attempts (bound ${bound}); ${rows.length} notifications drained ${drainedMs} ms after the return (the first ${firstMs} ms after it)`);
    });
  });
});
