/**
 * Where PostgreSQL's work per task goes while a scale bench of this tree
 * runs (ADR 0068): started beside `node dist/bench/run.js --only scale`
 * against a cluster that preloads pg_stat_statements, it waits for the
 * bench's database and its load, then over a window of the measured part
 * reads
 *
 * - the CPU and the run slices (wake-ups) of every client backend, split by
 *   the bench process whose connection it serves (the registry, gateway and
 *   runtime children, in their start order; their sockets found with `ss`),
 *   and of the server's own processes;
 * - commits (pg_stat_database), WAL records, writes and syncs (pg_stat_wal),
 *   sessions opened;
 * - pg_stat_activity sampled every 50 ms: who is active, idle in a
 *   transaction, or waiting, on what;
 * - pg_stat_statements: calls and execution time per task of each statement
 *   (texts that differ only in their ARRAY[…] and VALUES lists folded);
 *
 * all per task stored (`tasks` rows inserted). `--perf <dir>` also records
 * `perf record -e cpu-clock --call-graph dwarf` of the gateways' and the
 * runtimes' backends over the window. Linux, same host, superuser.
 *
 *   node dist/bench/scale/postgres-attribution.js --url postgres://postgres@127.0.0.1:5434/postgres --label fleet &
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5434/test REDIS_URL=redis://127.0.0.1:6379 \
 *     node dist/bench/run.js --only scale --scale-setups gateway-2 --scale-calls sendmessage --duration 12 --warmup 2
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { foldStatement, parseSchedstat } from './service-stats.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5434/postgres' },
    label: { type: 'string', default: 'run' },
    skip: { type: 'string', default: '2' },
    window: { type: 'string', default: '6' },
    perf: { type: 'string' },
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
};
const pids = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
const schedstat = (pid: number) => {
  try {
    return parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
  } catch {
    return undefined;
  }
};

/** The bench's children by role: registry, gateway ×2, runtime ×2 in their start order (bench/scale/scale-bench.ts startFleet). */
function benchRoles(): Map<number, string> {
  const benches = new Set(
    pids().filter((pid) => {
      try {
        return cmdline(pid).includes('dist/bench/run.js') && readlinkSync(`/proc/${pid}/cwd`) === process.cwd();
      } catch {
        return false;
      }
    }),
  );
  const children = pids()
    .filter((pid) => {
      try {
        return cmdline(pid).includes('stack-target.js') && benches.has(Number(statFields(pid)[1]));
      } catch {
        return false;
      }
    })
    .sort((a, b) => Number(statFields(a)[19]) - Number(statFields(b)[19]));
  const names = ['registry', 'gateway', 'gateway', 'runtime', 'runtime'];
  return new Map(children.map((pid, i) => [pid, names[i] ?? 'other']));
}

/** Local port → pid of each process with a connection to `port`. */
function socketOwners(port: number): Map<number, number> {
  const owners = new Map<number, number>();
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`]).toString();
  for (const line of out.split('\n')) {
    const match = /:(\d+)\s+\S+:\d+\s+users:\(\("[^"]*",pid=(\d+)/.exec(line);
    if (match) owners.set(Number(match[1]), Number(match[2]));
  }
  return owners;
}

interface Tally {
  first: { cpuNs: number; slices: number };
  last: { cpuNs: number; slices: number };
  fresh: boolean;
}

const admin = new pg.Client({ connectionString: args.url });
await admin.connect();
const port = Number(new URL(args.url).port || 5432);
let database: string;
for (;;) {
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'agentmesh_bench_%' order by oid desc limit 1`);
  if (rows[0]) {
    database = rows[0].datname;
    break;
  }
  await sleep(200);
}
const benchUrl = new URL(args.url);
benchUrl.pathname = `/${database}`;
const bench = new pg.Client({ connectionString: benchUrl.toString() });
await bench.connect();
const tasksStored = async () => Number((await bench.query<{ n: string }>(`select coalesce(sum(n_tup_ins), 0)::text as n from pg_stat_user_tables where relname like 'tasks%'`)).rows[0]!.n);
// The load: more than 200 tasks stored in a second.
for (;;) {
  const before = await tasksStored();
  await sleep(1000);
  if ((await tasksStored()) - before > 200) break;
}
await sleep(Number(args.skip) * 1000);

const roles = benchRoles();
// This tool's own two sessions are left out of the server's processes.
const own = new Set(await Promise.all([admin, bench].map(async (c) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid)));
const postmaster = Number(readFileSync(join((await admin.query<{ d: string }>("select current_setting('data_directory') as d")).rows[0]!.d, 'postmaster.pid'), 'utf8').split('\n')[0]);
const roleOf = new Map<number, string>();
const backends = new Map<number, Tally>();
const server = new Map<number, Tally & { name: string }>();
const states = new Map<string, number>();
let samples = 0;
/** Processes other than the bench's children with a session in the bench's database (the bench itself samples it). */
const otherOwners = new Set<string>();

async function sampleActivity(): Promise<void> {
  const owners = socketOwners(port);
  const { rows } = await admin.query<{ pid: number; client_port: number; state: string; wait: string }>(
    `select pid, client_port, state, coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '') as wait
       from pg_stat_activity where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    [database],
  );
  for (const row of rows) {
    // A connection `ss` does not list yet (just opened) is asked about again at the next sample.
    const owner = roleOf.has(row.pid) ? undefined : owners.get(row.client_port);
    if (owner !== undefined) {
      roleOf.set(row.pid, roles.get(owner) ?? 'other');
      if (!roles.has(owner)) otherOwners.add(`${owner} ${cmdline(owner).slice(0, 80)}`);
    }
    const key = `${roleOf.get(row.pid) ?? 'other'}\t${row.state}\t${row.state === 'idle' ? '' : row.wait}`;
    states.set(key, (states.get(key) ?? 0) + 1);
    const now = schedstat(row.pid);
    if (now === undefined) continue;
    const tally = backends.get(row.pid);
    if (tally) tally.last = now;
    else backends.set(row.pid, { first: now, last: now, fresh: samples > 0 });
  }
  for (const pid of pids()) {
    if (roleOf.has(pid) || own.has(pid)) continue;
    let parent: number;
    try {
      parent = Number(statFields(pid)[1]);
    } catch {
      continue;
    }
    if (parent !== postmaster) continue;
    const now = schedstat(pid);
    if (now === undefined) continue;
    const tally = server.get(pid);
    if (tally) tally.last = now;
    else server.set(pid, { first: now, last: now, fresh: false, name: cmdline(pid).replace(/^postgres: [^:]+: /, '') });
  }
  samples++;
}

interface Snapshot {
  at: number;
  tasks: number;
  statements: Map<string, { text: string; calls: number; ms: number }>;
  database: { xact_commit: string; xact_rollback: string; sessions: string };
  wal: { wal_records: string; wal_bytes: string; wal_write: string; wal_sync: string; wal_sync_time: number };
}

async function snapshot(): Promise<Snapshot> {
  const statements = await admin.query<{ id: string; query: string; calls: string; ms: number }>(
    `select queryid::text as id, query, calls::text, total_exec_time as ms from pg_stat_statements where dbid = (select oid from pg_database where datname = $1)`,
    [database],
  );
  const db = await admin.query<Snapshot['database']>(`select xact_commit::text, xact_rollback::text, sessions::text from pg_stat_database where datname = $1`, [database]);
  const wal = await admin.query<Snapshot['wal']>(`select wal_records::text, wal_bytes::text, wal_write::text, wal_sync::text, wal_sync_time from pg_stat_wal`);
  return {
    at: Date.now(),
    tasks: await tasksStored(),
    statements: new Map(statements.rows.map((r) => [r.id, { text: r.query, calls: Number(r.calls), ms: r.ms }])),
    database: db.rows[0]!,
    wal: wal.rows[0]!,
  };
}

await sampleActivity();
const perfs: ChildProcess[] = [];
if (args.perf !== undefined) {
  for (const role of ['gateway', 'runtime']) {
    const of = [...roleOf].filter(([, r]) => r === role).map(([pid]) => pid);
    if (of.length === 0) continue;
    const out = join(args.perf, `${args.label}-${role}.perf.data`);
    perfs.push(spawn('perf', ['record', '-q', '-e', 'cpu-clock', '--call-graph', 'dwarf,16384', '-o', out, '-p', of.join(','), '--', 'sleep', args.window], { stdio: 'ignore' }));
  }
}
const a = await snapshot();
const end = Date.now() + Number(args.window) * 1000;
while (Date.now() < end) {
  await sampleActivity();
  await sleep(50);
}
const b = await snapshot();
await sampleActivity();
await Promise.all(perfs.map((p) => new Promise((resolve) => p.on('exit', resolve))));

const tasks = b.tasks - a.tasks;
const seconds = (b.at - a.at) / 1000;
const per = (n: number, digits = 3) => (n / tasks).toFixed(digits);
const delta = (x: string, y: string) => Number(y) - Number(x);
const lines: string[] = [];
lines.push(`# ${args.label}: database ${database}, ${seconds.toFixed(1)} s, ${tasks} tasks (${(tasks / seconds).toFixed(0)}/s), ${samples} samples of pg_stat_activity; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
lines.push(
  `commits a task ${per(delta(a.database.xact_commit, b.database.xact_commit))}, rollbacks ${per(delta(a.database.xact_rollback, b.database.xact_rollback))}, sessions opened ${delta(a.database.sessions, b.database.sessions)}`,
);
lines.push(
  `WAL a task: ${per(delta(a.wal.wal_records, b.wal.wal_records), 1)} records, ${per(delta(a.wal.wal_bytes, b.wal.wal_bytes), 0)} B, ${per(delta(a.wal.wal_write, b.wal.wal_write))} writes, ${per(delta(a.wal.wal_sync, b.wal.wal_sync))} syncs (${((b.wal.wal_sync_time - a.wal.wal_sync_time) / seconds).toFixed(0)} ms of syncs a second)`,
);
const byRole = new Map<string, { cpuNs: number; slices: number; n: number; fresh: number; freshNs: number }>();
for (const [pid, t] of backends) {
  const role = roleOf.get(pid) ?? 'other';
  const o = byRole.get(role) ?? { cpuNs: 0, slices: 0, n: 0, fresh: 0, freshNs: 0 };
  const cpu = t.last.cpuNs - (t.fresh ? 0 : t.first.cpuNs);
  o.cpuNs += cpu;
  o.slices += t.last.slices - (t.fresh ? 0 : t.first.slices);
  o.n++;
  if (t.fresh) {
    o.fresh++;
    o.freshNs += cpu;
  }
  byRole.set(role, o);
}
for (const [role, o] of [...byRole].sort()) {
  lines.push(`backends of ${role}: ${o.n} (${o.fresh} opened in the window, ${(o.freshNs / 1e6).toFixed(1)} ms of CPU), CPU µs a task ${per(o.cpuNs / 1000, 0)}, run slices a task ${per(o.slices, 2)}`);
}
let serverNs = 0;
const serverParts: string[] = [];
for (const t of server.values()) {
  const cpu = t.last.cpuNs - t.first.cpuNs;
  serverNs += cpu;
  if (cpu > 0) serverParts.push(`${t.name} ${per(cpu / 1000, 1)}`);
}
if (otherOwners.size > 0) lines.push(`other: ${[...otherOwners].join('; ')}`);
lines.push(`the server's own processes: CPU µs a task ${per(serverNs / 1000, 0)} (${serverParts.join(', ')})`);
lines.push('pg_stat_activity, sessions a sample (role, state, wait):');
for (const [key, n] of [...states].sort((x, y) => y[1] - x[1]).slice(0, 16)) lines.push(`  ${(n / samples).toFixed(2)}\t${key}`);
const folded = new Map<string, { calls: number; ms: number }>();
for (const [id, s] of b.statements) {
  const before = a.statements.get(id);
  const calls = s.calls - (before?.calls ?? 0);
  if (calls <= 0) continue;
  const key = foldStatement(s.text);
  const f = folded.get(key) ?? { calls: 0, ms: 0 };
  f.calls += calls;
  f.ms += s.ms - (before?.ms ?? 0);
  folded.set(key, f);
}
lines.push('statements: calls a task, execution µs a task (lock waits included), µs a call:');
for (const [text, f] of [...folded].sort((x, y) => y[1].ms - x[1].ms).slice(0, 24)) lines.push(`  ${per(f.calls)}\t${per(f.ms * 1000, 1)}\t${(f.ms * 1000 / f.calls).toFixed(0)}\t${text}`);
process.stdout.write(`${lines.join('\n')}\n`);
await bench.end();
await admin.end();
