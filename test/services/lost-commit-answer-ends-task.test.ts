/**
 * A task write whose COMMIT reached PostgreSQL but whose answer was lost (the connection reset right
 * after it) does not leave the task working forever. For a step: the group commit retries the write
 * alone, which finds the version its own first attempt bumped and reads it as another writer's; the
 * run stops. For the create: the run stops on the error. Either way the row names this live replica
 * as owner, so no other replica takes it over: before the fix, it stayed working for good. Now the replica ends it as it ends a task whose write failed (re-run
 * when idempotent, else failed with the reason). The nemesis run's `reset-after-commit` fault found
 * it (docs/reliability.md, "Anomalies found").
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
  replica = await startRuntimeReplica({ ...schema, url: proxied.url }, stream, [stepper], { heartbeatMs: 200, replicaTtlMs: 1000 });
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
