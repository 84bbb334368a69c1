/**
 * The database's own ceiling, measured in the same run as the runtime rows:
 * `pgbench` with the transaction a SendMessage amounts to — one task-sized
 * row (the `tasks` columns and indexes, a ~700-byte snapshot) and three
 * event rows, committed together — at the part's connection count. The
 * runtime's PostgreSQL row is read as a share of it (ADR 0022). Tables of
 * their own in the run's database, dropped with it.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** One pgbench run: transactions per second, or why there is none. */
export type AnchorResult = { tps: number; transactions: number } | { failure: string };

const SCHEMA = `
create table if not exists anchor_tasks (
  id text primary key, agent text not null, tenant text not null default '', context_id text not null, state text not null,
  skill text, message_id text, message_key bigint, message_bucket integer, version integer not null, last_seq integer not null,
  snapshot text not null, owner text, idempotent integer not null default 0, terminal integer not null default 0,
  created_at bigint not null, updated_at bigint not null);
create index if not exists anchor_tasks_list on anchor_tasks (agent, tenant, updated_at, id);
create index if not exists anchor_tasks_message on anchor_tasks (message_bucket, message_key);
create index if not exists anchor_tasks_context on anchor_tasks (context_id);
create index if not exists anchor_tasks_owner_live on anchor_tasks (owner) where terminal = 0;
create index if not exists anchor_tasks_retention on anchor_tasks (terminal, updated_at);
create table if not exists anchor_events (
  task_id text not null, seq integer not null, last_seq integer not null, kind text not null, payload text not null,
  created_at bigint not null, primary key (task_id, seq));`;

// Ids and keys random per transaction; the snapshot and event sizes of a bench SendMessage.
const SCRIPT = `\\set id random(1, 9000000000000000)
\\set key random(1, 4000000000000000)
BEGIN;
INSERT INTO anchor_tasks (id, agent, tenant, context_id, state, skill, message_id, message_key, message_bucket, version, last_seq, snapshot, owner, idempotent, terminal, created_at, updated_at)
  VALUES (:id, 'bench', '', :id, 'TASK_STATE_COMPLETED', 'echo', :id, :key, 498770, 3, 3, repeat('s', 700), NULL, 0, 1, :id, :id);
INSERT INTO anchor_events (task_id, seq, last_seq, kind, payload, created_at)
  VALUES (:id, 1, 1, 'task', repeat('t', 400), :id), (:id, 2, 2, 'artifact', repeat('a', 150), :id), (:id, 3, 3, 'status', repeat('u', 120), :id);
COMMIT;
`;

/** Parses pgbench's summary: its tps line (without connection time) and the transaction count. */
export function parsePgbenchOutput(output: string): { tps: number; transactions: number } | undefined {
  const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(output);
  const done = /number of transactions actually processed: (\d+)/.exec(output);
  if (tps === null || done === null) return undefined;
  return { tps: Number(tps[1]), transactions: Number(done[1]) };
}

/** Runs pgbench against `url` for `durationS` seconds at `connections` clients; `dir` holds its script. */
export async function runPgbenchAnchor({ url, connections, durationS, dir }: { url: string; connections: number; durationS: number; dir: string }): Promise<AnchorResult> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(SCHEMA);
  } catch (err) {
    return { failure: `could not create the anchor's tables: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await client.end().catch(() => undefined);
  }
  const script = join(dir, 'pgbench-anchor.sql');
  await writeFile(script, SCRIPT);
  const args = ['--no-vacuum', '--client', String(connections), '--jobs', '2', '--time', String(Math.max(1, Math.round(durationS))), '--file', script, url];
  return new Promise<AnchorResult>((resolve) => {
    let output = '';
    const child = spawn(process.env['BENCH_PGBENCH'] ?? 'pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => resolve({ failure: `pgbench could not start (${err.message}); install PostgreSQL's client tools or set BENCH_PGBENCH` }));
    child.once('close', (code) => {
      const parsed = parsePgbenchOutput(output);
      if (code === 0 && parsed !== undefined) resolve(parsed);
      // The URL is never echoed: it may hold a password.
      else resolve({ failure: `pgbench exited with ${code}: ${output.split('\n').filter((l) => /error|fatal/i.test(l)).slice(0, 2).join(' ') || 'no summary'}` });
    });
  });
}
