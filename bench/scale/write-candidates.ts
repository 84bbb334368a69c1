/**
 * The candidates of ADR 0022, measured side by side in one run: 50 writers
 * each creating tasks (a task row and its event row, as a SendMessage does)
 * for a few seconds through
 *   A. Kysely on pg, one transaction per task (the store before ADR 0022);
 *   B. the store's group commit on pg (one multi-statement query per batch);
 *   C. postgres (porsager), one pipelined transaction per task;
 *   D. postgres (porsager), group commit: one pipelined transaction per batch.
 * Reported: tasks/s, this process's CPU µs per task, and the server's commits
 * per task (pg_stat_database). C and D need the `postgres` package, which
 * agentmesh does not depend on: `npm install --no-save postgres` first, or
 * they are skipped.
 *
 *   node --import tsx bench/scale/write-candidates.ts [adminUrl] [seconds]
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, createRuntimeStores, uuidv7, type NewTask, type TaskStore } from '../../src/storage/index.js';
import { PostgresTaskStore } from '../../src/storage/postgres/postgres-task-store.js';
import { messageBucket, messageKey } from '../../src/storage/message-key.js';
import { packEvents } from '../../src/storage/event-rows.js';

const adminUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test';
const seconds = Number(process.argv[3] ?? 3);
const WRITERS = 50;
const LONE_SLICES = 6;

function newTask(): NewTask {
  const id = uuidv7();
  return {
    id,
    agent: 'bench',
    tenant: '',
    contextId: id,
    state: 'TASK_STATE_COMPLETED',
    skill: 'echo',
    messageId: id,
    snapshot: JSON.stringify({ id, history: 'h'.repeat(500) }),
    owner: null,
    idempotent: false,
    terminal: true,
    events: [
      { seq: 1, kind: 'task', payload: '{"task":"' + 't'.repeat(300) + '"}' },
      { seq: 2, kind: 'artifactUpdate', payload: '{"text":"lead 42 scored 87"}' },
      { seq: 3, kind: 'statusUpdate', payload: '{"state":"TASK_STATE_COMPLETED"}' },
    ],
    now: Date.now(),
  };
}

interface Figures {
  name: string;
  tasksPerS: number;
  cpuPerTask: number;
  commitsPerTask: number;
}

async function commits(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ n: string }>('select xact_commit::text as n from pg_stat_database where datname = current_database()');
  await admin.query('select pg_stat_clear_snapshot()');
  return Number(rows[0]!.n);
}

async function measure(name: string, admin: pg.Client, create: (task: NewTask) => Promise<void>): Promise<Figures> {
  // Warm-up: connections open, plans cached.
  await Promise.all(Array.from({ length: WRITERS }, () => create(newTask())));
  const before = await commits(admin);
  const cpu = process.cpuUsage();
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (Date.now() < deadline) {
        await create(newTask());
        done++;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // The statistics collector reports a backend's counts when it goes idle; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const after = await commits(admin);
  return { name, tasksPerS: done / elapsed, cpuPerTask: (used.user + used.system) / done, commitsPerTask: (after - before) / done };
}

type Sql = ((strings: TemplateStringsArray, ...values: unknown[]) => Promise<unknown>) & {
  begin: (fn: (sql: Sql) => unknown) => Promise<unknown>;
  end: () => Promise<void>;
  (rows: unknown[]): unknown;
};

function taskRow(t: NewTask) {
  return {
    id: t.id,
    agent: t.agent,
    tenant: t.tenant,
    context_id: t.contextId,
    state: t.state,
    skill: t.skill,
    message_id: t.messageId,
    message_key: messageKey(t.agent, t.tenant, t.messageId!),
    message_bucket: messageBucket(t.now),
    version: t.events.length,
    last_seq: t.events.length,
    snapshot: t.snapshot,
    owner: t.owner,
    idempotent: 0,
    terminal: 1,
    created_at: t.now,
    updated_at: t.now,
  };
}

/** D's batcher: what arrives in one turn goes together, up to four batches in flight (as the store's). */
function porsagerBatcher(sql: Sql): (task: NewTask) => Promise<void> {
  let queue: { task: NewTask; done: (err?: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = async (): Promise<void> => {
    scheduled = false;
    if (inFlight >= 4 || queue.length === 0) return;
    const batch = queue;
    queue = [];
    inFlight++;
    try {
      await sql.begin((tx) => [
        tx`select set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', '', true)`,
        tx`insert into tasks ${tx(batch.map((b) => taskRow(b.task)))}`,
        tx`insert into task_events ${tx(batch.map((b) => packEvents(b.task.id, b.task.events, b.task.now)))}`,
      ]);
      for (const b of batch) b.done();
    } catch (err) {
      for (const b of batch) b.done(err);
    } finally {
      inFlight--;
      if (queue.length > 0) void flush();
    }
  };
  return (task) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ task, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (inFlight < 4 && !scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}

const name = `agentmesh_candidates_${randomBytes(4).toString('hex')}`;
const admin0 = new pg.Client({ connectionString: adminUrl });
await admin0.connect();
await admin0.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
const results: Figures[] = [];
try {
  const database = await createDatabase({ url: url.toString(), poolSize: 10 });
  const unbatched: TaskStore = new PostgresTaskStore({ db: database.db });
  const batched = createRuntimeStores(database).tasks;
  // One writer at a time, as a lone SendMessage: the retried-send lookup, then the create. A and B alternate
  // in 0.5 s slices so the host's load falls on both alike; the median latency of each.
  const lone: Record<'A' | 'B', number[]> = { A: [], B: [] };
  for (let slice = 0; slice < 2 * LONE_SLICES; slice++) {
    const [label, store] = slice % 2 === 0 ? (['A', unbatched] as const) : (['B', batched] as const);
    const until = Date.now() + 500;
    while (Date.now() < until) {
      const t = newTask();
      const started = performance.now();
      await store.findByMessage(t.agent, t.tenant, t.messageId!, t.now);
      await store.create(t);
      lone[label].push(performance.now() - started);
    }
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`lone writer (lookup + create, alternating slices): A p50 ${p50(lone.A).toFixed(2)} ms (${lone.A.length} tasks), B p50 ${p50(lone.B).toFixed(2)} ms (${lone.B.length} tasks): B/A ${(p50(lone.B) / p50(lone.A)).toFixed(2)}`);
  results.push(await measure('A. Kysely on pg, a transaction per task', admin, (t) => unbatched.create(t)));
  results.push(await measure('B. pg, group commit (one multi-statement query per batch)', admin, (t) => batched.create(t)));
  await database.close();
  let postgres: ((url: string, options: object) => Sql) | undefined;
  try {
    const mod = 'postgres';
    postgres = ((await import(mod)) as { default: (url: string, options: object) => Sql }).default;
  } catch {
    console.log('C, D: skipped (npm install --no-save postgres to measure them)');
  }
  if (postgres) {
    const sql = postgres(url.toString(), { max: 10, onnotice: () => undefined });
    results.push(
      await measure('C. postgres (porsager), a pipelined transaction per task', admin, async (t) => {
        await sql.begin((tx) => [
          tx`select set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', ${t.tenant}, true)`,
          tx`insert into tasks ${tx([taskRow(t)])}`,
          tx`insert into task_events ${tx([packEvents(t.id, t.events, t.now)])}`,
        ]);
      }),
    );
    results.push(await measure('D. postgres (porsager), group commit (a pipelined transaction per batch)', admin, porsagerBatcher(sql)));
    await sql.end();
  }
} finally {
  await admin.end();
  await admin0.query(`drop database ${name} with (force)`);
  await admin0.end();
}
console.log(`${WRITERS} writers, ${seconds} s each, one run (ratios within it):`);
for (const r of results) console.log(`${r.name.padEnd(75)} ${r.tasksPerS.toFixed(0).padStart(6)} tasks/s  ${r.cpuPerTask.toFixed(0).padStart(5)} µs CPU/task  ${r.commitsPerTask.toFixed(2)} commits/task`);
