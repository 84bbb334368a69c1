/**
 * A messageId starts one task across replicas on PostgreSQL, even when the replicas race.
 *
 * A send looks its messageId up, then creates the task (ADR 0002). The nemesis run found a replica
 * paused between the two: the client's retry, sent after its timeout, started the task on another
 * replica; the paused one woke and created a second task of the same message, and the gateway charged
 * both (docs/reliability.md, "Anomalies found"). A create now claims its messageId in its transaction,
 * under an advisory lock on the message's key (migration 0030): a create meeting a task of the same
 * message fails as MessageAlreadyStarted, and the engine answers the send with that task.
 *
 * The race is made deterministic by holding the key's advisory lock from the test: both replicas'
 * lookups find nothing, both creates wait on the lock, and only then is it let go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { rpc } from '../helpers/runtime-fixture.js';
import { startRuntimeReplicaPair, type RuntimeReplica } from '../helpers/runtime-replica.js';
import { postgresSkipReason, redisSkipReason, waitFor, withPgClient, type TestSchema } from '../helpers/services.js';
import { oneSkillAgent } from '../helpers/one-skill-agent.js';
import { createRuntimeStores, MessageAlreadyStarted, type NewTask, type TaskStore } from '../../src/storage/index.js';
import { messageKey } from '../../src/storage/message-key.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

/** How many times the handler ran for each message text. */
const runs = new Map<string, number>();
const counter = oneSkillAgent({ name: 'counter', description: 'Counts the times it ran for a text' }, 'count', {
  description: 'Counts',
  handler: async (text: string) => {
    runs.set(text, (runs.get(text) ?? 0) + 1);
    return `ran for ${text}`;
  },
});

const message = (messageId: string, text: string) => ({ messageId, role: 'ROLE_USER', parts: [{ text }] });

describe('a messageId starts one task across replicas (PostgreSQL)', { skip }, () => {
  let pair: Awaited<ReturnType<typeof startRuntimeReplicaPair>>;
  let schema: TestSchema;
  let a: RuntimeReplica;
  let b: RuntimeReplica;
  let tasks: TaskStore;
  let tenant: string;

  before(async () => {
    pair = await startRuntimeReplicaPair([counter]);
    ({ schema, a, b } = pair);
    tasks = createRuntimeStores(a.database).tasks;
    // The tenant a direct call runs as, read off a task: the message keys below are computed with it.
    const warmUp = randomUUID();
    await rpc(a.agents['counter']!, 'SendMessage', { message: message(warmUp, 'warm-up') });
    tenant = await withPgClient(schema.url, async (db) => (await db.query<{ tenant: string }>('SELECT tenant FROM tasks WHERE message_id = $1', [warmUp])).rows[0]!.tenant);
  });

  after(async () => {
    await pair?.close();
  });

  const tasksOf = (messageId: string) => withPgClient(schema.url, async (db) => (await db.query<{ id: string }>('SELECT id FROM tasks WHERE message_id = $1', [messageId])).rows.map((row) => row.id));

  it('answers two replicas racing on one message with one task', async () => {
    const messageId = randomUUID();
    const text = `race ${messageId}`;
    const key = messageKey('counter', tenant, messageId);
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [key]);
      const sends = [a, b].map((replica) => rpc(replica.agents['counter']!, 'SendMessage', { message: message(messageId, text) }));
      // Both lookups found nothing, and both creates wait for the key: neither task exists yet.
      await waitFor('both creates to wait on the message key', async () => {
        const waiting = await withPgClient(schema.url, async (db) => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0]!.n);
        return waiting === 2 ? true : undefined;
      });
      await holder.query('COMMIT');
      const answers = await Promise.all(sends);
      const ids = answers.map((answer) => answer.body.result?.task?.id as string | undefined);
      assert.ok(ids[0] !== undefined && ids[1] !== undefined, `both sends answered with a task: ${JSON.stringify(answers.map((answer) => answer.body))}`);
      assert.equal(ids[0], ids[1], 'both replicas answered with the same task');
      assert.deepEqual(await tasksOf(messageId), [ids[0]]);
      const states = answers.map((answer) => answer.body.result.task.status.state as string);
      assert.ok(states.includes('TASK_STATE_COMPLETED'), `the task completed: ${states.join(', ')}`);
      // The refused create's handler may have started beside its create (docs/adr/0083): its work is not the task's.
      assert.ok((runs.get(text) ?? 0) >= 1);
    } finally {
      await holder.end();
    }
  });

  it('refuses a create whose message started a task after the lookup, naming that task', async () => {
    const messageId = randomUUID();
    // The paused replica: it looked the id up before the retry reached the other replica.
    assert.equal(await tasks.findByMessage('counter', tenant, messageId, Date.now()), undefined);
    const retried = await rpc(b.agents['counter']!, 'SendMessage', { message: message(messageId, 'paused') });
    const started = retried.body.result.task.id as string;
    const late: NewTask = { ...newTask('counter', tenant, messageId), id: randomUUID() };
    await assert.rejects(tasks.create(late), (err: unknown) => err instanceof MessageAlreadyStarted && err.taskId === started && err.messageId === messageId);
    assert.deepEqual(await tasksOf(messageId), [started]);
    // Another message under the reused id (ADR 0046) is created without the claim.
    await tasks.create({ ...late, messageIdReused: true });
    assert.deepEqual((await tasksOf(messageId)).sort(), [started, late.id].sort());
  });

  it('claims any agent name and messageId, quotes and all, on the batched path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 60 }), async (agent, messageId) => {
        const first = newTask(agent, tenant, messageId);
        const second = newTask(agent, tenant, messageId);
        // Side by side: one statement of the group commit, or two racing batches; either way one task.
        const outcomes = await Promise.allSettled([tasks.create(first), tasks.create(second)]);
        const created = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        assert.equal(created.length, 1, `one create of two went through: ${outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'created')).join('; ')}`);
        const refused = outcomes.find((outcome) => outcome.status === 'rejected');
        assert.ok(refused?.status === 'rejected' && refused.reason instanceof MessageAlreadyStarted, `the other was refused as MessageAlreadyStarted: ${String(refused?.status === 'rejected' ? refused.reason : '')}`);
        assert.equal(await tasks.findByMessage(agent, tenant, messageId, Date.now()).then((task) => task?.id), outcomes[0]!.status === 'fulfilled' ? first.id : second.id);
      }),
      { numRuns: 25 },
    );
  });

});

function newTask(agent: string, tenant: string, messageId: string): NewTask {
  const id = randomUUID();
  return { id, agent, tenant, contextId: randomUUID(), state: 'TASK_STATE_SUBMITTED', skill: null, messageId, snapshot: JSON.stringify({ id }), owner: null, idempotent: false, terminal: false, events: [], now: Date.now() };
}
