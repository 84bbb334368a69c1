/**
 * A replica never runs one task twice at once. The nemesis run's `reset-after-commit` fault left a
 * task re-running about once a second long after the last heal (docs/reliability.md, "Anomalies
 * found"): a write of the task failed, the replica's check of failed writes re-ran it, and while that
 * re-run was live the replica's own orphan scan took the task too (its heartbeat had not committed,
 * so its own rows looked orphaned). Two runs of one task on one replica then stopped each other's
 * writes, were handed back to the check, and re-ran again.
 *
 * The sequence is driven here step by step: the step's writes are dropped by the proxy in front of
 * PostgreSQL (the write fails), the check of failed writes re-runs the idempotent task, and with that
 * re-run parked in its handler the replica's heartbeat is made stale and its orphan scan run. The
 * scan must leave the task to the run it has; the task then completes, run twice in all, once at a
 * time, with one `Re-running` event.
 *
 * The other way round, a run whose task another replica took over (and then stopped) must not hold
 * the task off nor run beside the re-run when its own replica's orphan scan takes the task back: it
 * is stopped first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { postgresSkipReason, redisSkipReason, waitFor, withPgClient } from '../helpers/services.js';
import { startProxiedReplica, type ProxiedReplica } from '../helpers/proxied-replica.js';
import { Latches } from '../helpers/latches.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
/** Heartbeats and recovery rounds far apart: the test runs each round itself. */
const CONFIG = { heartbeatMs: 600_000, replicaTtlMs: 600_000 };
const gates = new Latches();
/** Handler runs so far, those running now, and the most ever running at once. */
const runs = { started: 0, live: 0, mostAtOnce: 0 };

/** Resolves when `gate` opens; rejects when the run is stopped (a stopped run's handler goes away, as a well-behaved one does). */
function until(gate: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    void gate.then(resolve);
  });
}

const stepper = oneSkillAgent({ name: 'stepper', description: 'Reports one step when the test lets it, then completes' }, 'step', {
  description: 'Idempotent: a replica may run it again',
  idempotent: true,
  handler: async (_: string, ctx) => {
    const n = ++runs.started;
    runs.live++;
    runs.mostAtOnce = Math.max(runs.mostAtOnce, runs.live);
    try {
      gates.get(`started-${n}`).resolve();
      await until(gates.get(`step-${n}`).promise, ctx.signal);
      ctx.progress(`step of run ${n}`);
      await until(gates.get('end').promise, ctx.signal);
      return 'done';
    } finally {
      runs.live--;
    }
  },
});

/** What the holder's handler runs did, in order: `start <n>`, `stop <n>` (its run stopped), `end <n>`. */
const held: string[] = [];

const holder = oneSkillAgent({ name: 'holder', description: 'Holds each task until the test lets it end' }, 'hold', {
  description: 'Idempotent: a replica may run it again',
  idempotent: true,
  handler: async (_: string, ctx) => {
    const n = held.filter((e) => e.startsWith('start')).length + 1;
    held.push(`start ${n}`);
    gates.get(`held-${n}`).resolve();
    try {
      await until(gates.get('release').promise, ctx.signal);
    } catch (err) {
      held.push(`stop ${n}`);
      throw err;
    }
    held.push(`end ${n}`);
    return 'done';
  },
});

let fleet: ProxiedReplica | undefined;

before(async () => {
  if (skip) return;
  fleet = await startProxiedReplica([stepper, holder], CONFIG);
});

after(async () => {
  if (skip) return;
  for (let n = 1; n <= 4; n++) gates.get(`step-${n}`).resolve();
  gates.get('end').resolve();
  gates.get('release').resolve();
  await fleet?.close();
});

const stateOf = (id: string) => waitFor('the task to end', async () => {
  const state = (await rowOf(id))?.state;
  return state === 'TASK_STATE_COMPLETED' || state === 'TASK_STATE_FAILED' || state === 'TASK_STATE_CANCELED' ? state : undefined;
}, { timeoutMs: 10_000 });

const rowOf = (id: string) =>
  withPgClient(fleet!.schema.url, async (db) => (await db.query<{ state: string; owner: string | null; last_seq: number }>('SELECT state, owner, last_seq FROM tasks WHERE id = $1', [id])).rows[0]);

test("a replica whose orphan scan meets a task it is re-running leaves it to that run: one run of a task at a time", { skip }, async () => {
  const { runtime } = fleet!.replica;
  const url = fleet!.replica.agents['stepper']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('a'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await gates.get('started-1').promise;
  // The task and its WORKING status are stored (seqs 1 and 2) before the step's write is refused.
  await waitFor('the working status to be stored', async () => ((await rowOf(id))?.last_seq === 2 ? true : undefined));
  // Every COMMIT is dropped, the batch's and its retry alone: the step's write fails, the run stops.
  fleet!.proxy.cutAfterClientSends(/\bcommit\b/i, { drop: true });
  gates.get('step-1').resolve();
  await waitFor('the run whose write failed to stop', async () => (runtime.engine.localRun(id) === undefined ? true : undefined));
  fleet!.proxy.heal();
  const owned = await rowOf(id);
  assert.equal(owned?.owner, runtime.replicaId, 'the row still names this replica: its check of failed writes ends the task');

  // The check of failed writes re-runs it; the re-run writes `Re-running` (3) and WORKING (4).
  await runtime.recoverNow();
  await gates.get('started-2').promise;
  await waitFor('the re-run to be stored', async () => ((await rowOf(id))?.last_seq === 4 ? true : undefined));

  // The replica's heartbeat row is gone (as if its heartbeats had not committed for a lease): its own rows look orphaned to its orphan scan.
  await withPgClient(fleet!.schema.url, (db) => db.query('DELETE FROM runtime_replicas WHERE id = $1', [runtime.replicaId]));
  await runtime.recoverNow();

  gates.get('step-2').resolve();
  gates.get('step-3').resolve();
  gates.get('end').resolve();
  assert.equal(await stateOf(id), 'TASK_STATE_COMPLETED');
  const reruns = await withPgClient(fleet!.schema.url, async (db) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM task_events WHERE task_id = $1 AND payload LIKE '%Re-running%'`, [id])).rows[0]!.n);
  assert.deepEqual({ handlerRuns: runs.started, mostAtOnce: runs.mostAtOnce, rerunEvents: reruns }, { handlerRuns: 2, mostAtOnce: 1, rerunEvents: 1 });
});

test('a run another replica took its task from, which then stopped, is stopped when its replica takes the task back', { skip }, async () => {
  const a = fleet!.replica;
  let b: RuntimeReplica | undefined = await startRuntimeReplica(fleet!.schema, fleet!.stream, [stepper, holder], CONFIG);
  try {
    const sent = await rpc(a.agents['holder']!, 'SendMessage', { message: userMessage('h'), configuration: { returnImmediately: true } });
    const id = sent.body.result.task.id as string;
    await gates.get('held-1').promise;
    await waitFor('the working status to be stored', async () => ((await rowOf(id))?.last_seq === 2 ? true : undefined));
    // a's heartbeat row is gone (as if its heartbeats had not committed for a lease): b takes the task over and runs it again; a's run, parked, knows nothing of it.
    await withPgClient(fleet!.schema.url, (db) => db.query('DELETE FROM runtime_replicas WHERE id = $1', [a.runtime.replicaId]));
    await b!.runtime.recoverNow();
    await gates.get('held-2').promise;
    await withPgClient(fleet!.schema.url, (db) => db.query('INSERT INTO runtime_replicas (id, started_at, heartbeat_at) VALUES ($1, $2, $2)', [a.runtime.replicaId, Date.now()]));
    // b stops (its idempotent run left for another replica): a's orphan scan finds the task b owned.
    await stopRuntimeReplica(b);
    b = undefined;
    await a.runtime.recoverNow();
    gates.get('release').resolve();
    assert.equal(await stateOf(id), 'TASK_STATE_COMPLETED');
    assert.deepEqual(held, ['start 1', 'start 2', 'stop 2', 'stop 1', 'start 3', 'end 3'], "a's stale run stopped before a ran the task again");
  } finally {
    await stopRuntimeReplica(b);
  }
});

test('recovery rounds never overlap: those asked for while one runs make one more round, not one each', { skip }, async () => {
  const { engine } = fleet!.replica.runtime;
  const running = engine.recover(CONFIG.replicaTtlMs);
  // One turn of the microtask queue: the first round has started (it reads the store from here on).
  await Promise.resolve();
  const rounds = [running, engine.recover(CONFIG.replicaTtlMs), engine.recover(CONFIG.replicaTtlMs)];
  const [first, second, third] = await Promise.all(rounds);
  assert.notEqual(second, first, 'the round asked for while one runs is a round of its own, after it');
  assert.equal(third, second, 'a call while that round waits joins it');
});
