/**
 * What PostgreSQL and Redis did during a measured run, read from the
 * servers: the WAL written (`pg_current_wal_lsn()` before and after, and with
 * pg_walinspect the share of it that touched the bench's own database), the
 * CPU time of the database's backends (/proc, same host), and Redis's
 * `INFO commandstats` and `INFO cpu` deltas. The parsing is pure and tested
 * (test/unit/bench/service-stats.test.ts); the rest talks to the servers.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { processesCpuMicros } from '../gateway/process-tree-cpu.js';

/** Bytes of a PostgreSQL LSN (`16/B374D848`: the high and low 32 bits in hex). */
export function lsnToBytes(lsn: string): number {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (match === null) throw new Error(`not a PostgreSQL LSN: "${lsn}"`);
  return Number.parseInt(match[1]!, 16) * 2 ** 32 + Number.parseInt(match[2]!, 16);
}

/**
 * Calls per command from `INFO commandstats`
 * (`cmdstat_xadd:calls=12,usec=80,...`); subcommands keep their `|` name
 * (`client|setname`).
 */
export function parseCommandStats(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):(.*)$/.exec(line.trim());
    if (match === null) continue;
    const field = /(?:^|,)calls=(\d+)/.exec(match[2]!);
    if (field !== null) calls.set(match[1]!.toLowerCase(), Number(field[1]));
  }
  return calls;
}

/** Calls made between two `parseCommandStats` samples, commands with none left out (a `CONFIG RESETSTAT` in between reads as a fresh start). */
export function commandStatsDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [command, calls] of after) {
    const previous = before.get(command) ?? 0;
    const made = calls >= previous ? calls - previous : calls;
    if (made > 0) delta.set(command, made);
  }
  return delta;
}

/** Redis's own CPU time so far, µs: `used_cpu_sys` + `used_cpu_user` of `INFO cpu` (seconds). */
export function parseUsedCpuMicros(info: string): number {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:([0-9.]+)\\s*$`, 'm').exec(info);
    if (match === null) throw new Error(`INFO cpu has no ${name}`);
    return Number(match[1]);
  };
  return Math.round((field('used_cpu_sys') + field('used_cpu_user')) * 1_000_000);
}

/** A statement's text with its literal lists folded, so batches of different sizes count as one statement. */
export function foldStatement(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    // pg_stat_statements keeps the text's own case: `array[…]` and `ARRAY[…]` alike.
    .replace(/ARRAY\[[^\]]*\]/gi, 'ARRAY[…]')
    .replace(/\b(values|VALUES) \(.*$/, '$1 …')
    .slice(0, 110);
}

/** `/proc/<pid>/schedstat`: nanoseconds on the CPU, nanoseconds waiting to run, and the slices run (each a wake-up or a preemption's return). */
export function parseSchedstat(text: string): { cpuNs: number; slices: number } | undefined {
  const [cpu, , slices] = text.trim().split(' ').map(Number);
  return cpu === undefined || slices === undefined || !Number.isFinite(cpu) || !Number.isFinite(slices) ? undefined : { cpuNs: cpu, slices };
}

/** CPU µs per pid between two samples: a pid in `after` only (a new connection) counts from zero. */
export function cpuDelta(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, micros] of after) total += Math.max(0, micros - (before.get(pid) ?? 0));
  return total;
}

/**
 * CPU time of single-threaded processes (PostgreSQL backends), µs: their
 * /proc/<pid>/schedstat (nanoseconds on the CPU), finer than /proc/<pid>/stat's
 * 10 ms ticks over a run of seconds; stat's ticks where schedstat is absent.
 */
async function backendCpuMicros(pids: readonly number[]): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  const missing: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const nanos = Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]);
        if (Number.isFinite(nanos)) cpu.set(pid, nanos / 1000);
        else missing.push(pid);
      } catch {
        missing.push(pid);
      }
    }),
  );
  for (const [pid, micros] of await processesCpuMicros(missing)) cpu.set(pid, micros);
  return cpu;
}

/** One sample of the bench database's server. */
export interface PostgresSample {
  lsn: string;
  /** CPU µs so far of each client backend connected to the bench database (the statements the roles send). */
  backends: Map<number, number>;
  /** CPU µs so far of each autovacuum worker in the bench database: the workload's cost too, but in bursts a short window may or may not catch. */
  autovacuum: Map<number, number>;
}

/** A fresh database for one run, and the sampling of its server. */
export interface BenchDatabase {
  /** `postgres://…/<fresh database>`: what the roles are given. */
  url: string;
  name: string;
  /** Whether WAL can be attributed to this database (pg_walinspect could be created in it). */
  walinspect: boolean;
  sample(): Promise<PostgresSample>;
  /** WAL bytes between two LSNs: the whole cluster's, and (with pg_walinspect) the records of this database's transactions and pages. */
  walBetween(from: string, to: string): Promise<{ cluster: number; database?: number }>;
  /** The database's size on disk (tables, indexes, TOAST; not the WAL) and the tasks stored in it. */
  footprint(): Promise<{ bytes: number; tasks: number }>;
  /** Drops the database (its connections are closed by force). */
  drop(): Promise<void>;
}

/** Whether PostgreSQL answers at `url`; the reason when not. */
export async function postgresUnreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL not reachable at ${url}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates database `name` on the server of `adminUrl` (needs CREATEDB) and
 * keeps one connection to it for sampling. pg_walinspect is created in it
 * when the role may (a superuser); without it WAL is reported for the whole
 * cluster only.
 */
export async function createBenchDatabase({ adminUrl, name }: { adminUrl: string; name: string }): Promise<BenchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: "${name}"`);
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sampler = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  sampler.on('error', () => undefined);
  await sampler.connect();
  const walinspect = await sampler.query('create extension if not exists pg_walinspect').then(
    () => true,
    () => false,
  );
  const oid = String((await sampler.query<{ oid: string }>('select oid::text as oid from pg_database where datname = current_database()')).rows[0]!.oid);
  return {
    url: url.toString(),
    name,
    walinspect,
    async sample() {
      const pids = await sampler.query<{ pid: number; vacuum: boolean }>(
        `select pid, backend_type = 'autovacuum worker' as vacuum from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type in ('client backend', 'autovacuum worker')`,
      );
      const { rows } = await sampler.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const [backends, autovacuum] = await Promise.all([false, true].map((vacuum) => backendCpuMicros(pids.rows.filter((row) => row.vacuum === vacuum).map((row) => row.pid))));
      return { lsn: rows[0]!.lsn, backends: backends!, autovacuum: autovacuum! };
    },
    async walBetween(from, to) {
      const cluster = lsnToBytes(to) - lsnToBytes(from);
      if (!walinspect || cluster <= 0) return { cluster };
      // A block reference names `rel <tablespace>/<database>/<relation>`: records touching this database's pages,
      // and every record (commits included) of a transaction that did.
      const { rows } = await sampler.query<{ bytes: string }>(
        `with r as (select xid::text as xid, record_length, block_ref from pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
              ours as (select distinct xid from r where xid <> '0' and block_ref like $3)
         select coalesce(sum(record_length), 0)::text as bytes from r
          where (xid <> '0' and xid in (select xid from ours)) or (xid = '0' and block_ref like $3)`,
        [from, to, `%/${oid}/%`],
      );
      return { cluster, database: Number(rows[0]!.bytes) };
    },
    async footprint() {
      const { rows } = await sampler.query<{ bytes: string; tasks: string }>(
        `select pg_database_size(current_database())::text as bytes,
                (case when to_regclass('tasks') is null then 0 else (select count(*) from tasks) end)::text as tasks`,
      );
      return { bytes: Number(rows[0]!.bytes), tasks: Number(rows[0]!.tasks) };
    },
    async drop() {
      await sampler.end().catch(() => undefined);
      const dropper = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
      dropper.on('error', () => undefined);
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end().catch(() => undefined);
      }
    },
  };
}

/** One sample of the Redis server. */
export interface RedisSample {
  commands: Map<string, number>;
  cpuMicros: number;
}

/** Samples a Redis server's command counts and CPU time (both server-wide). */
export async function sampleRedis(redis: Redis): Promise<RedisSample> {
  const [commands, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  return { commands: parseCommandStats(commands), cpuMicros: parseUsedCpuMicros(cpu) };
}
