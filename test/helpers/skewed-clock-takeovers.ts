/**
 * Replicas whose wall clocks disagree take over no live task of each other's,
 * and still take over a silent one's: the scenario, run on each database by
 * its tier's test file. Replica `o` runs a held idempotent task; replica `r`,
 * which hosts the same agent, runs its orphan scan on a clock of its own,
 * far ahead of or behind `o`'s. Heartbeats and recovery rounds are far apart
 * on the scenario's clocks: the test beats `o`'s heartbeat and runs `r`'s
 * rounds itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeConfigInput } from '../../src/runtime/index.js';
import { createRuntimeStores, type Database, type PushStore, type TaskStore } from '../../src/storage/index.js';
import { Latches } from './latches.js';
import { rpc, userMessage } from './runtime-fixture.js';
import { until } from './until.js';
import { heldDurableAgent, startScenarioReplica, type ScenarioDatabase } from './scenario-replicas.js';
import { submittedTask } from './new-task.js';

/** A lease (`replicaTtlMs`) of the scenario's clocks; no timer of the replicas fires within a test. */
const LEASE = 600_000;
/** The skew: the nemesis runs a node 20 s ahead with a 2 s lease, ten leases. */
const SKEW = 10 * LEASE;
/** `unhostedTaskGiveUpMs`: a heartbeat row watched silent this long is deleted. */
const GIVE_UP = 4 * LEASE;
const CONFIG: RuntimeConfigInput = { heartbeatMs: LEASE, replicaTtlMs: LEASE, unhostedTaskGiveUpMs: GIVE_UP, skillTimeoutMs: 1000 * LEASE };

/** Registers the scenario's tests on the database `open` makes (skipped with `skip`). */
export function skewedClockTests(open: () => Promise<ScenarioDatabase>, skip: string | false): void {
  /** The real time of the scenario; each replica reads it through its own skew. */
  let clock = Date.now();
  const gates = new Latches();
  const { agent: durable, runs: runsSoFar } = heldDurableAgent(gates);

  let shared: ScenarioDatabase | undefined;
  let reads: Database | undefined;
  let store: TaskStore | undefined;
  let push: PushStore | undefined;
  before(async () => {
    if (skip) return;
    shared = await open();
    reads = await shared.open();
    ({ tasks: store, push } = createRuntimeStores(reads));
  });
  after(async () => {
    for (let n = 1; n <= runsSoFar(); n++) gates.get(`end-${n}`).resolve();
    await reads?.close();
    await shared?.drop();
  });

  /** Replica `o` on a clock `oSkew` off the scenario's, with a task held in its handler; `r` on a clock `rSkew` off. */
  const scene = async (oSkew: number, rSkew: number) => {
    const o = await startScenarioReplica(shared!, [durable], CONFIG, () => clock + oSkew);
    const r = await startScenarioReplica(shared!, [durable], CONFIG, () => clock + rSkew);
    const run = runsSoFar() + 1;
    const sent = await rpc(o.agents['durable']!, 'SendMessage', { message: userMessage('work'), configuration: { returnImmediately: true } });
    const id: string = sent.body.result.task.id;
    await gates.get(`started-${run}`).promise;
    await until('the task to be stored working', async () => (await store!.get(id))?.state === 'TASK_STATE_WORKING');
    /** `o`'s heartbeat, as its timer would write it. */
    const beat = () => store!.heartbeat(o.runtime.replicaId, clock + oSkew);
    const stop = async () => {
      await o.stop();
      await r.stop();
    };
    return { o, r, id, run, beat, stop };
  };
  const ownerOf = async (id: string) => (await store!.get(id))?.owner;
  /** The run after `run`, the takeover's, started: it completes the task once let go. */
  const reRunCompletes = async (id: string, run: number) => {
    await gates.get(`started-${run + 1}`).promise;
    gates.get(`end-${run + 1}`).resolve();
    await until('the re-run to complete', async () => (await store!.get(id))?.state === 'TASK_STATE_COMPLETED');
  };

  // The fault the nemesis found: a replica restarted 20 s ahead read every other replica's heartbeat as 20 s old, past
  // the 2 s lease, and took their live tasks over every round; each run so stopped asked its question again.
  for (const [what, oSkew, rSkew] of [
    ["a replica whose clock runs ahead takes over none of another's live tasks", 0, SKEW],
    ['a replica whose clock runs behind keeps its live tasks', -SKEW, 0],
  ] as const) {
    test(`${what}, round after round`, { skip }, async () => {
      const { o, r, id, run, beat, stop } = await scene(oSkew, rSkew);
      try {
        for (let round = 0; round < 4; round++) {
          assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 0 }, `round ${round}`);
          clock += LEASE / 2;
          await beat();
        }
        assert.equal(await ownerOf(id), o.runtime.replicaId, 'the task stays with the replica running it');
        gates.get(`end-${run}`).resolve();
        await until('the task to complete on its first run', async () => (await store!.get(id))?.state === 'TASK_STATE_COMPLETED');
        assert.match((await store!.get(id))!.snapshot, new RegExp(`run ${run}\\b`));
      } finally {
        await stop();
      }
    });
  }

  test('a replica watches heartbeats from its start: one silent since then is taken over at its first round a lease later', { skip }, async () => {
    // r started after o's last heartbeat (o is silent from here on): as a replica restarted after its predecessor died.
    const { r, id, run, stop } = await scene(0, 0);
    try {
      clock += LEASE;
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 1 });
      assert.equal(await ownerOf(id), r.runtime.replicaId);
      await reRunCompletes(id, run);
    } finally {
      gates.get(`end-${run}`).resolve();
      await stop();
    }
  });

  test("a heartbeat row watched silent for unhostedTaskGiveUpMs is deleted; one heartbeating stays", { skip }, async () => {
    const { o, r, id, run, beat, stop } = await scene(0, 0);
    const rowIds = async () => (await store!.replicasSeen(Number.MIN_SAFE_INTEGER)).map((row) => row.id);
    try {
      clock += GIVE_UP;
      await beat();
      await r.runtime.recoverNow();
      assert.ok((await rowIds()).includes(o.runtime.replicaId), 'a heartbeat that changed is watched anew');
      clock += GIVE_UP;
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 1 });
      assert.ok(!(await rowIds()).includes(o.runtime.replicaId), 'silent for the bound: its row is gone');
      assert.ok((await rowIds()).includes(r.runtime.replicaId), "the watcher's own row stays");
      await reRunCompletes(id, run);
    } finally {
      gates.get(`end-${run}`).resolve();
      await stop();
    }
  });

  test('a replica takes over the task of one whose heartbeat it has watched unchanged for a lease, whatever either clock says', { skip }, async () => {
    // r's clock runs behind: by clocks, o's last heartbeat is in r's future and never stale.
    const { r, id, run, stop } = await scene(SKEW, 0);
    try {
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 0 }, 'seen since r started, no time ago');
      clock += LEASE / 2;
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 0 }, 'unchanged for half a lease');
      clock += LEASE / 2;
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 1 }, 'unchanged for a lease: o is silent');
      assert.equal(await ownerOf(id), r.runtime.replicaId);
      await reRunCompletes(id, run);
    } finally {
      gates.get(`end-${run}`).resolve();
      await stop();
    }
  });

  test("a silent replica's push claims are released with its tasks, not after the lease it took", { skip }, async () => {
    const { o, r, id, run, beat, stop } = await scene(SKEW, 0);
    // A notification o claimed under a lease far longer than the scenario runs: as one its crash leaves. Due only
    // far in the scenario's future, so the replicas' own push workers, which run, never claim it themselves.
    const taskId = `pushed-${run}`;
    const due = clock + 1000 * LEASE;
    await store!.create(submittedTask(taskId, { tenant: 'default', now: clock }));
    await push!.putConfig({ taskId, id: 'hook', tenant: 'default', config: '{}', protocol: '1.0', createdAt: clock });
    await store!.append({ taskId, expectedVersion: 1, state: 'TASK_STATE_WORKING', snapshot: '{}', terminal: false, events: [{ seq: 2, kind: 'status', payload: '{"n":2}' }], now: due });
    const [claimed] = await push!.claimDue({ now: due, owner: o.runtime.replicaId, leaseMs: 100 * LEASE, limit: 10 });
    assert.equal(claimed?.taskId, taskId);
    const takeable = () => push!.claimNext(taskId, 'hook', { now: due, owner: 'another', leaseMs: LEASE });
    try {
      await r.runtime.recoverNow();
      clock += LEASE;
      await beat();
      await r.runtime.recoverNow();
      assert.equal(await takeable(), undefined, 'o heartbeats: its claim holds');
      clock += LEASE;
      assert.deepEqual(await r.runtime.recoverNow(), { failed: 0, rerun: 1 }, 'unchanged for a lease: o is silent');
      assert.equal((await takeable())?.seq, 2, "o's claim went back with its task");
      await reRunCompletes(id, run);
    } finally {
      // The takeover's run too: a failed assertion before it was let go would leave stop() waiting on it.
      gates.get(`end-${run}`).resolve();
      gates.get(`end-${run + 1}`).resolve();
      await stop();
    }
  });
}
