/**
 * A task write whose COMMIT reached PostgreSQL but whose answer was lost (the connection reset right
 * after it) does not leave the task working forever. For a step: the group commit retries the write
 * alone, which finds the version its own first attempt bumped and reads it as another writer's; the
 * run stops. For the create: the run stops on the error. Either way the row names this live replica
 * as owner, so no other replica takes it over: before the fix, it stayed working for good. Now the replica ends it as it ends a task whose write failed (re-run
 * when idempotent, else failed with the reason). The nemesis run's `reset-after-commit` fault found
 * it (docs/reliability.md, "Anomalies found").
 *
 * And a write that failed stops its run there: the events the handler emitted while it was in flight
 * are not written after it, at seqs past the one that never landed (a gap in the log, which the
 * nemesis run's `pg-terminate` fault showed).
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
  description: 'Not idempotent: one progress report the test times, then done',
  handler: async (text: string, ctx) => {
    ctx.progress('one');
    await gates.get(text).promise;
    ctx.progress('two');
    await gates.get(`${text}-end`).promise;
    return 'done';
  },
});

/** Reports a step the database refuses (the test's trigger), then, while that write fails, an artifact. */
const marker = oneSkillAgent({ name: 'marker', description: 'A step the database refuses, then more' }, 'mark', {
  description: 'Not idempotent',
  handler: async (_: string, ctx) => {
    // After the task's create is written (the send answers once it is).
    await new Promise((resolve) => setTimeout(resolve, 100));
    ctx.progress('refused-step');
    // The refused write is in flight (the trigger takes 0.4 s): these queue behind it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    ctx.artifact({ name: 'after', parts: [{ text: 'written after the refused step' }] });
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
  replica = await startRuntimeReplica({ ...schema, url: proxied.url }, stream, [stepper, marker], { heartbeatMs: 200, replicaTtlMs: 1000 });
});

after(async () => {
  if (skip) return;
  await stopRuntimeReplica(replica);
  await proxy.close();
  await deleteRedisKey(stream);
  await schema.drop();
});

test('a write whose COMMIT answer was lost does not leave its task working forever', { skip }, async () => {
  const url = replica!.agents['stepper']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('a'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  const statusText = async () => (await rpc(url, 'GetTask', { id })).body.result?.status?.message?.parts?.[0]?.text as string | undefined;
  await waitFor('the first step to be stored', async () => ((await statusText()) === 'one' ? true : undefined));
  // The next COMMIT (the step `two`) reaches the database; its answer does not come back.
  proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  gates.get('a').resolve();
  await waitFor('the step to be stored', async () => ((await statusText()) === 'two' ? true : undefined));
  gates.get('a-end').resolve();
  const state = await waitFor('the task to end', async () => {
    const got = (await rpc(url, 'GetTask', { id })).body.result?.status?.state as string | undefined;
    return got !== undefined && TERMINAL.includes(got) ? got : undefined;
  }, { timeoutMs: 10_000 });
  assert.ok(TERMINAL.includes(state));
});

test('a task whose create committed but whose answer was lost does not stay working forever', { skip }, async () => {
  const url = replica!.agents['stepper']!;
  const messageId = crypto.randomUUID();
  proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  await rpc(url, 'SendMessage', { message: { ...userMessage('b'), messageId }, configuration: { returnImmediately: true } });
  // The handler goes on only now, after the create's answer was lost.
  gates.get('b').resolve();
  gates.get('b-end').resolve();
  const state = await waitFor('the task the message created to end', async () => {
    const row = await withPgClient(schema.url, async (db) => (await db.query<{ state: string }>('SELECT state FROM tasks WHERE message_id = $1', [messageId])).rows[0]);
    return row !== undefined && TERMINAL.includes(row.state) ? row.state : undefined;
  }, { timeoutMs: 10_000 });
  assert.ok(TERMINAL.includes(state));
});

test('after a write that failed, the events a handler emitted meanwhile are not written past it', { skip }, async () => {
  // The database itself refuses the step's events, slowly (a trigger of the test's own: a disk or a
  // constraint failing one write), so the handler's next events queue behind the write that fails.
  await withPgClient(schema.url, async (db) => {
    await db.query(`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.payload LIKE '%refused-step%' THEN PERFORM pg_sleep(0.4); RAISE EXCEPTION 'the test refuses this write'; END IF; RETURN NEW; END $$`);
    await db.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON task_events FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
  });
  const url = replica!.agents['marker']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('d'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await waitFor('the task to end', async () => {
    const row = await withPgClient(schema.url, async (db) => (await db.query<{ terminal: number }>('SELECT terminal FROM tasks WHERE id = $1', [id])).rows[0]);
    return row?.terminal === 1 ? true : undefined;
  }, { timeoutMs: 10_000 });
  const rows = await withPgClient(schema.url, async (db) => (await db.query<{ seq: number; last_seq: number }>('SELECT seq, last_seq FROM task_events WHERE task_id = $1 ORDER BY seq', [id])).rows);
  let next = 1;
  for (const row of rows) {
    assert.equal(row.seq, next, `the log has no gap: rows ${JSON.stringify(rows)}`);
    next = row.last_seq + 1;
  }
});
