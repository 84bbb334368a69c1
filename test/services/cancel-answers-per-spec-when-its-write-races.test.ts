/**
 * A CancelTask is answered as A2A says (§3.1.5: the canceled task, or TaskNotCancelableError -32002
 * when the task ended otherwise), never with an internal error, when the cancel's own write meets
 * something: its COMMIT answer lost (the connection reset right after it), or another replica that
 * took the task over while the run here still held it. The nemesis run saw `-32603 Task … changed
 * since version …` answered (docs/reliability.md, "Anomalies found"). Asked through the official
 * @a2a-js/sdk client, over JSON-RPC, of the replica whose run holds the task.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelTaskRequest } from '@a2a-js/sdk';
import { TaskNotCancelableError } from '@a2a-js/sdk/errors';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../src/cli/index.js';
import { CANCELED, asTask } from '../helpers/sdk-client.js';
import { holdUntilCanceled, rpc, userMessage } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { postgresSkipReason, redisSkipReason, waitFor, withPgClient } from '../helpers/services.js';
import { startProxiedReplica, type ProxiedReplica } from '../helpers/proxied-replica.js';
import { defineAgent } from '../../src/runtime/index.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const holder = defineAgent({
  card: { name: 'holder', description: 'Holds each task until it is canceled' },
  skills: {
    once: holdUntilCanceled({ description: 'Not idempotent: a replica taking it over fails it', progress: 'holding' }),
    again: { ...holdUntilCanceled({ description: 'Idempotent: a replica taking it over runs it again', progress: 'holding' }), idempotent: true },
  },
});

/** `a` reaches PostgreSQL through the proxy; `b`, on the same schema and stream, directly. */
let fleet: ProxiedReplica | undefined;
let a: RuntimeReplica;
let b: RuntimeReplica | undefined;
let client: Client;

before(async () => {
  if (skip) return;
  // Heartbeats and recovery rounds far apart: a takeover happens when the test runs one.
  const config = { heartbeatMs: 600_000, replicaTtlMs: 600_000 };
  fleet = await startProxiedReplica([holder], config);
  a = fleet.replica;
  b = await startRuntimeReplica(fleet.schema, fleet.stream, [holder], config);
  client = (await connectAgent({ url: a.agents['holder']!, protocol: '1.0', binding: 'jsonrpc' })).client;
});

after(async () => {
  if (skip) return;
  await stopRuntimeReplica(b);
  await fleet?.close();
});

const rowOf = (id: string) => withPgClient(fleet!.schema.url, async (db) => (await db.query<{ state: string; owner: string | null; snapshot: string }>('SELECT state, owner, snapshot FROM tasks WHERE id = $1', [id])).rows[0]);

/** A task of `skill` started on `a`, whose handler holds it (its progress stored). */
async function heldOnA(skill: string): Promise<string> {
  const sent = await rpc(a.agents['holder']!, 'SendMessage', { message: { ...userMessage('hold'), metadata: { skillId: skill } }, configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await waitFor('the progress to be stored', async () => ((await rowOf(id))?.snapshot.includes('"holding"') ? true : undefined));
  assert.ok(a.runtime.engine.localRun(id), 'a run of replica a holds the task');
  return id;
}

/** Replica b's orphan scan takes over a's tasks: a's heartbeat row is gone for the scan (as if its heartbeats had not committed for a lease), then back. */
async function bTakesOverFromA(): Promise<void> {
  await withPgClient(fleet!.schema.url, (db) => db.query('DELETE FROM runtime_replicas WHERE id = $1', [a.runtime.replicaId]));
  await b!.runtime.recoverNow();
  await withPgClient(fleet!.schema.url, (db) => db.query('INSERT INTO runtime_replicas (id, started_at, heartbeat_at) VALUES ($1, $2, $2)', [a.runtime.replicaId, Date.now()]));
}

test("a cancel whose write's COMMIT answer was lost answers the canceled task", { skip }, async () => {
  const id = await heldOnA('once');
  fleet!.proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  const task = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
  assert.equal(asTask(task).status?.state, CANCELED);
  assert.equal((await rowOf(id))?.state, 'TASK_STATE_CANCELED');
});

test('a cancel meeting the failure another replica wrote, taking the task over, answers TaskNotCancelableError', { skip }, async () => {
  const id = await heldOnA('once');
  await bTakesOverFromA();
  assert.equal((await rowOf(id))?.state, 'TASK_STATE_FAILED', 'b failed the task it took over');
  await assert.rejects(client.cancelTask(CancelTaskRequest.fromJSON({ id })), (err: unknown) => {
    assert.ok(err instanceof TaskNotCancelableError, `the spec error of a task that ended otherwise (A2A §3.1.5), got ${String(err)}`);
    return true;
  });
});

test('a cancel meeting the re-run another replica took over answers the canceled task', { skip }, async () => {
  const id = await heldOnA('again');
  await bTakesOverFromA();
  const taken = await rowOf(id);
  assert.deepEqual([taken?.state, taken?.owner], ['TASK_STATE_WORKING', b!.runtime.replicaId], 'b runs the task again');
  const task = await client.cancelTask(CancelTaskRequest.fromJSON({ id }));
  assert.equal(asTask(task).status?.state, CANCELED);
  assert.equal((await rowOf(id))?.state, 'TASK_STATE_CANCELED');
  assert.equal(b!.runtime.engine.localRun(id), undefined, "b's run stopped");
});
