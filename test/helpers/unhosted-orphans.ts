/**
 * The scenario of an orphaned idempotent task whose agent only one replica
 * hosts (the orchestrator's workflow runs, in a mixed fleet), run on each
 * database by its tier's test file: replica `o` hosts the `durable` agent,
 * replica `r` does not. Both run on the scenario's clock, with heartbeats and
 * recovery rounds far apart: `o` falls silent by the clock moving on while
 * its heartbeat stays the one `r` saw, and the test runs `r`'s recovery
 * rounds itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeConfigInput } from '../../src/runtime/index.js';
import { createRuntimeStores, type Database, type TaskStore } from '../../src/storage/index.js';
import { Latches } from './latches.js';
import { oneSkillAgent } from './one-skill-agent.js';
import { rpc, userMessage } from './runtime-fixture.js';
import { until } from './until.js';
import { heldDurableAgent, startScenarioReplica, type ScenarioDatabase, type ScenarioReplica } from './scenario-replicas.js';

/** A lease (`replicaTtlMs`) of the scenario's clock; no timer of the replicas fires within a test. */
const LEASE = 600_000;
/** `unhostedTaskGiveUpMs`: twice the ten leases the orphan scan used to wait. */
const BOUND = 20 * LEASE;
/**
 * A held run outlasts every jump of the clock: the engine's timeout sweep (a real timer) reads the
 * scenario's clock, and a sweep landing after a jump past the default 600 s would fail the task
 * the test means to end (seen on loaded CI hosts).
 */
const SKILL_TIMEOUT = 10 * BOUND;
const CONFIG: RuntimeConfigInput = { heartbeatMs: LEASE, replicaTtlMs: LEASE, unhostedTaskGiveUpMs: BOUND, skillTimeoutMs: SKILL_TIMEOUT };

/** Registers the scenario's tests on the database `open` makes (skipped with `skip`). */
export function unhostedOrphanTests(open: () => Promise<ScenarioDatabase>, skip: string | false): void {
  let clock = Date.now();
  const now = () => clock;
  const gates = new Latches();
  const { agent: durable, runs: runsSoFar } = heldDurableAgent(gates);
  const other = oneSkillAgent({ name: 'other', description: 'Another agent of the fleet' }, 'answer', { description: 'Answers', handler: async () => 'answer' });

  let shared: ScenarioDatabase | undefined;
  let reads: Database | undefined;
  let store: TaskStore | undefined;
  let r: ScenarioReplica | undefined;
  before(async () => {
    if (skip) return;
    shared = await open();
    reads = await shared.open();
    store = createRuntimeStores(reads).tasks;
    r = await startScenarioReplica(shared, [other], CONFIG, now);
  });
  after(async () => {
    for (let n = 1; n <= runsSoFar(); n++) gates.get(`end-${n}`).resolve();
    await r?.stop();
    await reads?.close();
    await shared?.drop();
  });

  /** Starts a replica hosting `durable` and a task on it, held in its handler; resolves with the replica and the task's id. */
  const startHeldTask = async (): Promise<{ o: ScenarioReplica; id: string; run: number }> => {
    const o = await startScenarioReplica(shared!, [durable], CONFIG, now);
    const run = runsSoFar() + 1;
    const sent = await rpc(o.agents['durable']!, 'SendMessage', { message: userMessage('work'), configuration: { returnImmediately: true } });
    const id: string = sent.body.result.task.id;
    await gates.get(`started-${run}`).promise;
    await until('the task to be stored working', async () => (await store!.get(id))?.state === 'TASK_STATE_WORKING');
    // r watches o's heartbeat from here: silent from now on, it is stale once the clock has moved a lease.
    assert.deepEqual(await r!.runtime.recoverNow(), { failed: 0, rerun: 0 });
    return { o, id, run };
  };
  const stateOf = async (id: string) => {
    const row = await store!.get(id);
    return { state: row?.state, owner: row?.owner };
  };

  test("a replica leaves an idempotent task of an agent it does not host to the replica hosting it, silent past ten leases: that replica comes back and ends it", { skip }, async () => {
    const { o, id, run } = await startHeldTask();
    try {
      // o is silent (paused, cut off) for 15 leases: its tasks look orphaned to r, which cannot run them.
      clock += 15 * LEASE;
      assert.deepEqual(await r!.runtime.recoverNow(), { failed: 0, rerun: 0 });
      assert.deepEqual(await stateOf(id), { state: 'TASK_STATE_WORKING', owner: o.runtime.replicaId }, 'left to o, seen within the bound');
      // o comes back: its run goes on and ends the task.
      gates.get(`end-${run}`).resolve();
      await until('the task to complete', async () => (await stateOf(id)).state === 'TASK_STATE_COMPLETED');
    } finally {
      await o.stop();
    }
  });

  test('once no replica hosting the agent has been seen for the bound, nor the task written, the task is failed: it does not wait forever', { skip }, async () => {
    const { o, id } = await startHeldTask();
    try {
      clock += 15 * LEASE;
      await r!.runtime.recoverNow();
      assert.equal((await stateOf(id)).state, 'TASK_STATE_WORKING');
      clock += 6 * LEASE;
      assert.deepEqual(await r!.runtime.recoverNow(), { failed: 1, rerun: 0 });
      const row = await store!.get(id);
      assert.equal(row?.state, 'TASK_STATE_FAILED');
      assert.match(row?.snapshot ?? '', /Task was interrupted/);
    } finally {
      await o.stop();
    }
  });

  test('the task of a replica that stopped cleanly (its heartbeat row gone) waits the bound from its last write, then is failed', { skip }, async () => {
    const { o, id } = await startHeldTask();
    // A clean stop leaves the idempotent task to another replica and deletes o's heartbeat row.
    await o.stop();
    clock += 15 * LEASE;
    assert.deepEqual(await r!.runtime.recoverNow(), { failed: 0, rerun: 0 });
    assert.equal((await stateOf(id)).state, 'TASK_STATE_WORKING', 'left for a replica hosting its agent to start');
    clock += 6 * LEASE;
    assert.deepEqual(await r!.runtime.recoverNow(), { failed: 1, rerun: 0 });
    assert.equal((await stateOf(id)).state, 'TASK_STATE_FAILED');
  });

  test('a task not written for longer than the bound still waits while the replica hosting its agent was seen within it', { skip }, async () => {
    const { o, id } = await startHeldTask();
    try {
      // o heartbeats on (its timer, run here on the scenario's clock) while its task is not written…
      clock += 25 * LEASE;
      await store!.heartbeat(o.runtime.replicaId, clock);
      assert.deepEqual(await r!.runtime.recoverNow(), { failed: 0, rerun: 0 }, 'r sees the heartbeat change');
      // …then falls silent: the task is orphaned, last written longer ago than the bound.
      clock += 5 * LEASE;
      assert.deepEqual(await r!.runtime.recoverNow(), { failed: 0, rerun: 0 });
      assert.equal((await stateOf(id)).state, 'TASK_STATE_WORKING', 'left to o, seen within the bound');
      clock += 16 * LEASE;
      assert.deepEqual(await r!.runtime.recoverNow(), { failed: 1, rerun: 0 }, 'o unseen for the bound: failed');
    } finally {
      await o.stop();
    }
  });
}
