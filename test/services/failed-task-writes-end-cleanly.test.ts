/**
 * A task write whose COMMIT reached PostgreSQL but whose answer was lost (the connection reset right
 * after it) is answered as written. The group commit's batch fails on the client's side and each of
 * its writes is retried alone: a step then meets the version it bumped itself, a create the row it
 * inserted itself. Read as another writer's, that stopped the run ("task changed elsewhere"); the
 * row still named this live replica as owner, so nobody took it over and the task stayed working
 * for good, until the replica's check of failed writes came to end it (failed, or re-run) although
 * nothing else had touched it. The write is checked against the store (its events at their seqs,
 * byte for byte) and the run goes on: the task completes, its log holding each event once. The
 * nemesis run's `reset-after-commit` fault found it (docs/reliability.md, "Anomalies found").
 *
 * And a write that failed stops its run there: the events the handler emitted while it was in flight
 * are not written after it, at seqs past the one that never landed (a gap in the log, which the
 * nemesis run's `pg-terminate` fault showed); the replica's check of failed writes then ends the task.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, userMessage } from '../helpers/runtime-fixture.js';
import { postgresSkipReason, redisSkipReason, waitFor, withPgClient } from '../helpers/services.js';
import { startProxiedReplica, type ProxiedReplica } from '../helpers/proxied-replica.js';
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

let fleet: ProxiedReplica | undefined;

before(async () => {
  if (skip) return;
  // Frequent recovery rounds: a run stopped by mistake would have its task failed within a second.
  fleet = await startProxiedReplica([stepper, marker], { heartbeatMs: 200, replicaTtlMs: 1000 });
});

after(async () => {
  if (skip) return;
  await fleet?.close();
});

const rowOf = (id: string) => withPgClient(fleet!.schema.url, async (db) => (await db.query<{ state: string; snapshot: string }>('SELECT state, snapshot FROM tasks WHERE id = $1', [id])).rows[0]);

async function endState(id: string): Promise<string> {
  return waitFor('the task to end', async () => {
    const state = (await rowOf(id))?.state;
    return state !== undefined && TERMINAL.includes(state) ? state : undefined;
  }, { timeoutMs: 10_000 });
}

/** Each event of the task's log, in order; asserts seqs from 1 with no gap, no repeat. */
async function logOf(id: string): Promise<string[]> {
  const rows = await withPgClient(fleet!.schema.url, async (db) => (await db.query<{ seq: number; last_seq: number; payload: string }>('SELECT seq, last_seq, payload FROM task_events WHERE task_id = $1 ORDER BY seq', [id])).rows);
  let next = 1;
  const events: string[] = [];
  for (const row of rows) {
    assert.equal(row.seq, next, `the log has no gap nor repeat: ${JSON.stringify(rows.map((r) => [r.seq, r.last_seq]))}`);
    next = row.last_seq + 1;
    events.push(...row.payload.split('\n'));
  }
  return events;
}

test('a step whose COMMIT answer was lost is its own write: the run goes on and the task completes', { skip }, async () => {
  const url = fleet!.replica.agents['stepper']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('a'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await waitFor('the first step to be stored', async () => ((await rowOf(id))?.snapshot.includes('"one"') ? true : undefined));
  // The next COMMIT (the step `two`) reaches the database; its answer does not come back.
  fleet!.proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  gates.get('a').resolve();
  await waitFor('the step to be stored', async () => ((await rowOf(id))?.snapshot.includes('"two"') ? true : undefined));
  gates.get('a-end').resolve();
  assert.equal(await endState(id), 'TASK_STATE_COMPLETED');
  const events = await logOf(id);
  assert.equal(events.filter((e) => e.includes('"two"')).length, 1, 'the step is in the log once');
  assert.ok(!events.some((e) => e.includes('interrupted') || e.includes('Re-running')), `the task was neither failed nor re-run: ${events.join('\n')}`);
});

test('a create whose COMMIT answer was lost is its own row: the send answers with the task, which completes', { skip }, async () => {
  const url = fleet!.replica.agents['stepper']!;
  fleet!.proxy.cutAfterClientSends(/\bcommit\b/i, { once: true });
  const sent = await rpc(url, 'SendMessage', { message: userMessage('b'), configuration: { returnImmediately: true } });
  assert.equal(sent.body.error, undefined, `the send is answered with its task: ${JSON.stringify(sent.body)}`);
  const id = sent.body.result.task.id as string;
  gates.get('b').resolve();
  gates.get('b-end').resolve();
  assert.equal(await endState(id), 'TASK_STATE_COMPLETED');
  await logOf(id);
});

test('after a write that failed, the events a handler emitted meanwhile are not written past it', { skip }, async () => {
  // The database itself refuses the step's events, slowly (a trigger of the test's own: a disk or a
  // constraint failing one write), so the handler's next events queue behind the write that fails.
  await withPgClient(fleet!.schema.url, async (db) => {
    await db.query(`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.payload LIKE '%refused-step%' THEN PERFORM pg_sleep(0.4); RAISE EXCEPTION 'the test refuses this write'; END IF; RETURN NEW; END $$`);
    await db.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON task_events FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
  });
  const url = fleet!.replica.agents['marker']!;
  const sent = await rpc(url, 'SendMessage', { message: userMessage('d'), configuration: { returnImmediately: true } });
  const id = sent.body.result.task.id as string;
  await waitFor('the task to end', async () => {
    const row = await withPgClient(fleet!.schema.url, async (db) => (await db.query<{ terminal: number }>('SELECT terminal FROM tasks WHERE id = $1', [id])).rows[0]);
    return row?.terminal === 1 ? true : undefined;
  }, { timeoutMs: 10_000 });
  await logOf(id);
});
