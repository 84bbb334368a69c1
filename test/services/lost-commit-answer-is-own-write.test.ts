/**
 * A group-committed write whose COMMIT reached PostgreSQL but whose answer was lost (the connection
 * reset right after it) is answered as written. The batch fails on the client's side, and each of
 * its writes is retried alone: a step then meets the version it bumped itself, a create the row it
 * inserted itself. Read as another writer's, that stopped the run ("task changed elsewhere") and the
 * task was failed or re-run although nothing else had touched it (docs/reliability.md, "Anomalies
 * found"). The write is checked against the store (its events at their seqs, byte for byte) and the
 * run goes on: the task completes, its log holding each event once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { createTestSchema, deleteRedisKey, postgresSkipReason, redisSkipReason, uniqueStreamKey, waitFor, withPgClient, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Latches } from '../helpers/latches.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());
const gates = new Latches();
const TERMINAL = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'];

const stepper = oneSkillAgent({ name: 'stepper', description: 'Reports a step when the test lets it, then completes' }, 'step', {
  description: 'Not idempotent: a run stopped by mistake fails the task',
  handler: async (text: string, ctx) => {
    ctx.progress('one');
    await gates.get(text).promise;
    ctx.progress('two');
    await gates.get(`${text}-end`).promise;
    return 'done';
  },
});

let schema: TestSchema;
let stream: string;
let proxy: TcpProxy;
let replica: RuntimeReplica | undefined;

before(async () => {
  if (skip) return;
  schema = await createTestSchema();
  stream = uniqueStreamKey();
  const proxied = await proxyInFrontOf(schema.url, 5432);
  proxy = proxied.proxy;
  // Frequent recovery rounds: a run stopped by mistake would have its task failed within a second.
  replica = await startRuntimeReplica({ ...schema, url: proxied.url }, stream, [stepper], { heartbeatMs: 200, replicaTtlMs: 1000 });
});

after(async () => {
  if (skip) return;
  await stopRuntimeReplica(replica);
  await proxy.close();
  await deleteRedisKey(stream);
  await schema.drop();
});

const rowOf = (id: string) => withPgClient(schema.url, async (db) => (await db.query<{ state: string; snapshot: string }>('SELECT state, snapshot FROM tasks WHERE id = $1', [id])).rows[0]);

async function endState(id: string): Promise<string> {
  return waitFor('the task to end', async () => {
    const state = (await rowOf(id))?.state;
    return state !== undefined && TERMINAL.includes(state) ? state : undefined;
  }, { timeoutMs: 10_000 });
}

/** Each event of the task's log, in order: seqs from 1 with no gap, no repeat. */
async function logOf(id: string): Promise<string[]> {
  const rows = await withPgClient(schema.url, async (db) => (await db.query<{ seq: number; last_seq: number; payload: string }>('SELECT seq, last_seq, payload FROM task_events WHERE task_id = $1 ORDER BY seq', [id])).rows);
  let next = 1;
  const events: string[] = [];
  for (const row of rows) {
    assert.equal(row.seq, next, `the log has no gap nor repeat: ${JSON.stringify(rows.map((r) => [r.seq, r.last_seq]))}`);
    next = row.last_seq + 1;
    events.push(...row.payload.split('\n'));
  }
  return events;
}

test("a step whose COMMIT answer was lost is its own write: the run goes on and the task completes", { skip }, async () => {
  const url = replica!.agents['stepper']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('a'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await waitFor('the first step to be stored', async () => ((await rowOf(id))?.snapshot.includes('"one"') ? true : undefined));
  // The next COMMIT (the step `two`) reaches the database; its answer does not come back.
  proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  gates.get('a').resolve();
  await waitFor('the step to be stored', async () => ((await rowOf(id))?.snapshot.includes('"two"') ? true : undefined));
  gates.get('a-end').resolve();
  assert.equal(await endState(id), 'TASK_STATE_COMPLETED');
  const events = await logOf(id);
  assert.equal(events.filter((e) => e.includes('"two"')).length, 1, 'the step is in the log once');
  assert.ok(!events.some((e) => e.includes('interrupted') || e.includes('Re-running')), `the task was neither failed nor re-run: ${events.join('\n')}`);
});

test("a create whose COMMIT answer was lost is its own row: the send answers with the task, which completes", { skip }, async () => {
  const url = replica!.agents['stepper']!;
  proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  const sent = await rpc(url, 'SendMessage', { message: userMessage('b'), configuration: { returnImmediately: true } });
  assert.equal(sent.body.error, undefined, `the send is answered with its task: ${JSON.stringify(sent.body)}`);
  const id = sent.body.result.task.id as string;
  gates.get('b').resolve();
  gates.get('b-end').resolve();
  assert.equal(await endState(id), 'TASK_STATE_COMPLETED');
  await logOf(id);
});
