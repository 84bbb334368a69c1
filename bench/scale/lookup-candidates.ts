/**
 * The candidates of ADR 0032, measured side by side on one connection: the
 * PostgreSQL backend's CPU per batch of retried-send lookups (k = 1, 4, 16)
 * when the batch is
 *   inline:   the lateral SELECT written into the query text (ADR 0022),
 *             planned anew on every batch;
 *   function: a call of `agentmesh_find_tasks_by_message` (migration 0017),
 *             whose generic plan the backend keeps;
 *   prepared: the same SELECT as a session's prepared statement — the floor,
 *             which PgBouncer in transaction mode does not allow.
 * The backend's CPU is read from /proc (Linux, the server on this host).
 *
 *   node --import tsx bench/scale/lookup-candidates.ts [adminUrl] [batches]
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createDatabase, createRuntimeStores, uuidv7 } from '../../src/storage/index.js';
import { fragmentsOf, planBatch, type BatchWrite } from '../../src/storage/postgres/write-batch.js';
import { messageBucket, messageBuckets, messageKey } from '../../src/storage/message-key.js';
import { textLiteral } from '../../src/storage/postgres/sql-literals.js';

const adminUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/test';
const batches = Number(process.argv[3] ?? 1500);
const TASKS = 30_000;

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const name = `lookup_candidates_${process.pid}`;
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
try {
  const database = await createDatabase({ url: url.href, poolSize: 4 });
  const { tasks } = createRuntimeStores(database);
  for (let i = 0; i < TASKS / 50; i++) {
    await Promise.all(
      Array.from({ length: 50 }, () => {
        const id = uuidv7();
        return tasks.create({ id, agent: 'bench', tenant: 'acme', contextId: id, state: 'TASK_STATE_COMPLETED', skill: 'echo', messageId: id, snapshot: '{}', owner: null, idempotent: false, terminal: true, events: [], now: Date.now() });
      }),
    );
  }
  await database.close();

  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  await client.query('analyze tasks');
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const backendCpuUs = () => {
    const fields = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  };
  const lookups = (k: number): BatchWrite[] => Array.from({ length: k }, () => ({ kind: 'lookup', agent: 'bench', tenant: 'acme', messageId: uuidv7(), now: Date.now() }));
  const inline = (k: number) => {
    // The statement ADR 0022 wrote per batch, for comparison: BEGIN, marker, lateral SELECT, COMMIT.
    const writes = lookups(k);
    const rows = writes.map((w, ord) => (w.kind === 'lookup' ? `(${ord}, ${messageKey(w.agent, w.tenant, w.messageId)}, ${textLiteral(w.agent)}, ${textLiteral(w.messageId)}, ${Math.min(...messageBuckets(w.now))}, ${messageBucket(w.now)})` : ''));
    return `BEGIN; SELECT set_config('agentmesh.scope', 'tenant', true), set_config('agentmesh.tenant', 'acme', true);
      SELECT l.ord, t.* FROM (VALUES ${rows.join(', ')}) AS l(ord, key, agent, message_id, first_bucket, last_bucket)
      CROSS JOIN LATERAL (SELECT * FROM tasks t WHERE t.message_bucket IN (${messageBuckets(Date.now()).join(', ')}) AND t.message_key = l.key
        AND t.message_bucket BETWEEN l.first_bucket AND l.last_bucket
        AND (t.agent, t.tenant, t.message_id) IS NOT DISTINCT FROM (l.agent, 'acme', l.message_id) ORDER BY t.created_at DESC LIMIT 1) t; COMMIT`;
  };
  const fn = (k: number) => {
    const writes = lookups(k);
    return planBatch(
      writes,
      writes.map((w, i) => fragmentsOf(w, i)),
    ).text;
  };
  await client.query(`PREPARE lookup(bigint, text, text, int, int, int[]) AS SELECT * FROM tasks t WHERE t.message_bucket = ANY($6) AND t.message_key = $1
    AND t.message_bucket BETWEEN $4 AND $5 AND (t.agent, t.tenant, t.message_id) IS NOT DISTINCT FROM ($2, 'acme', $3) ORDER BY t.created_at DESC LIMIT 1`);
  const prepared = (k: number) => {
    const now = Date.now();
    const one = () => `EXECUTE lookup(${messageKey('bench', 'acme', uuidv7())}, 'bench', ${textLiteral(uuidv7())}, ${Math.min(...messageBuckets(now))}, ${messageBucket(now)}, ARRAY[${messageBuckets(now).join(', ')}])`;
    return Array.from({ length: k }, one).join(';\n');
  };
  console.log(`PostgreSQL backend CPU per batch of k lookups (${TASKS} tasks stored, ${batches} batches each)`);
  for (const k of [1, 4, 16]) {
    const line: string[] = [];
    for (const [label, text] of [['inline', inline], ['function', fn], ['prepared', prepared]] as const) {
      for (let i = 0; i < 50; i++) await client.query(text(k));
      const before = backendCpuUs();
      for (let i = 0; i < batches; i++) await client.query(text(k));
      line.push(`${label} ${((backendCpuUs() - before) / batches).toFixed(0)} µs`);
    }
    console.log(`  k=${k}: ${line.join(', ')}`);
  }
  await client.end();
} finally {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
