/**
 * The scale part of `npm run bench` (`--only scale`): SendMessage and
 * SendStreamingMessage on the setups a fleet grows through, in one run —
 * the SDK (anchor) and the runtime on SQLite as the other parts run them,
 * then on PostgreSQL + Redis with one runtime replica, with two, and through
 * two gateway replicas in front of the two; and the same two runtimes behind
 * two HAProxy fronts, either verifying the gateway's token themselves (the
 * fleet's anchor) or asking agentmesh's policy agent over SPOE — reporting throughput, CPU per
 * call of each role (the runtimes and gateways, the database's backends, the
 * Redis server), and per task the PostgreSQL round trips and transactions of
 * each role, the WAL written and the Redis commands. These are the inputs of
 * the capacity model in docs/operations.md.
 *
 * Every run gets a fresh database and a bus stream of its own, dropped at the
 * end, so it never touches another run's or the tests' tables. When
 * PostgreSQL or Redis cannot be reached the part says so and is skipped, not
 * failed.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { isCleanRun, measure, runLoad, type LoadResult } from '../load.js';
import type { Log } from '../report.js';
import { withTarget } from '../target-process.js';
import type { ScenarioName } from '../target-protocol.js';
import { verifySendMessage, verifyStreaming } from '../verify-target.js';
import { REQUESTS_PER_MINUTE, json, provisionBenchClient, startSpoeAgentIn, startStackChild, statsOf } from '../gateway/stack-process.js';
import { findBinary, type NativeRelay } from '../gateway/native-relay.js';
import { freePort } from '../../test/helpers/free-port.js';
import { redisUnreachable } from '../../test/helpers/services.js';
import { HAPROXY_INSTALL, startHaproxyRelay } from '../gateway/haproxy-relay.js';
import { checkHaproxy } from '../gateway/gateway-bench.js';
import { startHaproxySpoe } from '../gateway/spoe/index.js';
import { median } from '../gateway/gateway-report.js';
import type { SharedState } from '../gateway/stack-target.js';
import { SETUP_LABELS, summarizeScaleRounds, type Figures, type ScaleBenchReport, type ScaleRow, type ScaleSetup } from './scale-report.js';
import { commandStatsDelta, cpuDelta, createBenchDatabase, postgresUnreachable, sampleRedis, type BenchDatabase, type PostgresSample, type RedisSample } from './service-stats.js';
import type { CallCounts } from './call-counters.js';
import { runPgbenchAnchor } from './pgbench-anchor.js';

export { formatScaleBench, scaleBenchFailed, type ScaleBenchReport } from './scale-report.js';

/** Settings of the scale part. */
export interface ScaleBenchOptions {
  /** A PostgreSQL URL whose role may create databases; the run's database is created beside its database. */
  databaseUrl: string;
  redisUrl: string;
  scenarios: readonly ScenarioName[];
  /** The rows to load (`--scale-setups`), in the report's order. */
  setups: readonly ScaleSetup[];
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  /** Parent folder of the processes' data directories. */
  dataRoot: string;
  log: Log;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';
const SECRET = 'bench-scale-key-encryption-secret-0123456789';
const PATH = '/agents/bench';

/** The fleet the PostgreSQL rows load: a registry, two gateway replicas and two runtime replicas, each a process. */
interface Fleet {
  runtimes: { child: ChildProcess; url: string }[];
  gateways: { child: ChildProcess; url: string }[];
  children: ChildProcess[];
  /** The bench client's current token. */
  token: () => string;
  /** Fetches a fresh one: a long run outlives the gateway's 15-minute tokens. */
  refreshToken: () => Promise<void>;
  /** The `spoe-2` row's fronts, started on its first use: HAProxy, each asking the policy agent in one gateway replica. */
  spoe?: NativeRelay[];
  /** The `haproxy-jwt-2` row's fronts, started on its first use: HAProxy verifying the bench client's token itself. */
  haproxyJwt?: NativeRelay[];
  /** Where the gateways publish their signing keys (the deployment's public URL's). */
  jwksUrl: string;
  /** Where the fleet keeps its files. */
  dataRoot: string;
}

let haproxyFound: Promise<boolean> | undefined;

/** The rows whose fronts are HAProxy: skipped, not failed, on a machine without it. */
const HAPROXY_SETUPS: readonly ScaleSetup[] = ['haproxy-jwt-2', 'spoe-2'];

/** Whether HAProxy is on the machine; said once, naming the selected rows it skips, when it is not. */
function haproxyInstalled(log: Log, setups: readonly ScaleSetup[]): Promise<boolean> {
  haproxyFound ??= findBinary('haproxy').then((binary) => {
    const rows = setups.filter((setup) => HAPROXY_SETUPS.includes(setup)).map((setup) => SETUP_LABELS[setup]);
    if (binary === undefined) log(`scale: ${rows.join(' and ')} skipped: haproxy not found (PATH, /usr/sbin): ${HAPROXY_INSTALL}`);
    return binary !== undefined;
  });
  return haproxyFound;
}

/**
 * Two HAProxy fronts configured as the gateway bench's HAProxy JWT anchor
 * (haproxy-relay.ts: the token verified with the gateway's key from its
 * JWKS, its algorithm, expiry and scope checked, a stick-table rate limit far
 * above the load, Authorization dropped), each relaying to both runtimes in
 * turn. Each is checked before its first load: a call without a token and
 * one signed by another key refused, the bench client's token let through.
 */
async function startHaproxyJwtFronts(fleet: Fleet): Promise<NativeRelay[]> {
  if (fleet.haproxyJwt !== undefined) return fleet.haproxyJwt;
  const relays: NativeRelay[] = [];
  fleet.haproxyJwt = relays;
  const upstream = fleet.runtimes.map((r) => new URL(r.url).origin);
  try {
    // As many fronts as gateway replicas, so the load splits over the fronts as it does over the gateways.
    for (const i of fleet.gateways.keys()) {
      const dir = join(fleet.dataRoot, `haproxy-jwt-${i}`);
      await mkdir(dir, { recursive: true });
      const started = await startHaproxyRelay({ dir, upstream, jwksUrl: fleet.jwksUrl, token: fleet.token(), scope: 'a2a:message:send', requestsPerMinute: REQUESTS_PER_MINUTE });
      if ('missing' in started) throw new Error(started.missing);
      relays.push(started);
      const problem = await checkHaproxy(`${started.origin}${PATH}`, fleet.token());
      if (problem !== undefined) throw new Error(`HAProxy JWT front ${i}: ${problem}`);
    }
  } catch (err) {
    // Not half a pair: the next round starts both again.
    for (const relay of relays) await relay.stop();
    delete fleet.haproxyJwt;
    throw err;
  }
  return relays;
}

/**
 * Two HAProxy fronts, each relaying to both runtimes and asking the SPOE
 * policy agent started in one gateway replica's process (over that
 * replica's parts, on PostgreSQL and Redis; ADR 0061).
 */
async function startSpoeFronts(fleet: Fleet, dataRoot: string): Promise<NativeRelay[]> {
  if (fleet.spoe !== undefined) return fleet.spoe;
  const relays: NativeRelay[] = [];
  fleet.spoe = relays;
  const upstream = fleet.runtimes.map((r) => new URL(r.url).origin);
  for (const [i, gateway] of fleet.gateways.entries()) {
    // Each front's configs in a directory of its own.
    const dir = join(dataRoot, `spoe-${i}`);
    await mkdir(dir, { recursive: true });
    const started = await startHaproxySpoe({ dir, upstream, gateway: gateway.url, agentPort: await startSpoeAgentIn(gateway.child, false), mode: 'per-call' });
    if ('missing' in started) throw new Error(started.missing);
    relays.push(started);
  }
  return relays;
}

async function startFleet({ shared, dataRoot, log }: { shared: SharedState; dataRoot: string; log: Log }): Promise<Fleet> {
  const children: ChildProcess[] = [];
  const start = async (spec: Record<string, unknown>) => {
    const started = await startStackChild(spec);
    children.push(started.child);
    return started;
  };
  try {
    const registry = await start({ kind: 'registry', dataDir: join(dataRoot, 'registry') });
    const registryUrl = registry.message['url']!;
    // One deployment: one public URL (the first replica's, standing for the load balancer), one secret.
    const ports = [await freePort(), await freePort()];
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    const gateways = [];
    for (const [i, port] of ports.entries()) {
      const gateway = await start({ kind: 'control', dataDir: join(dataRoot, `gateway-${i}`), adminToken: ADMIN, registryUrl, shared, port, publicUrl, keyEncryptionSecret: SECRET });
      // Its own port: `listen()` answers the public URL, which is the first replica's.
      gateways.push({ child: gateway.child, url: `http://127.0.0.1:${port}` });
    }
    const jwksUrl = `${publicUrl}/.well-known/jwks.json`;
    const runtimes = [];
    for (const i of [0, 1]) {
      const runtime = await start({ kind: 'runtime', dataDir: join(dataRoot, `runtime-${i}`), registryUrl, jwksUrl, shared });
      runtimes.push({ child: runtime.child, url: `${runtime.message['url']!}${PATH}` });
    }
    const fetchToken = await provisionBenchClient({ gatewayUrl: gateways[0]!.url, adminToken: ADMIN });
    let token = await fetchToken();
    // Both gateways route to both runtimes before any row runs: calls through the first reach each runtime.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const instances = await json(`${registryUrl}/v1/agents/bench/instances`);
      const cards = await Promise.all(gateways.map((g) => fetch(`${g.url}${PATH}/.well-known/agent-card.json`).then(async (r) => (await r.arrayBuffer(), r.status))));
      if ((instances.body?.instances?.length ?? 0) >= 2 && cards.every((status) => status === 200)) {
        const before = await Promise.all(runtimes.map((r) => statsOf(r.child)));
        for (let i = 0; i < 20; i++) await verifySendMessage({ url: `${gateways[i % 2]!.url}${PATH}`, headers: { authorization: `Bearer ${token}` } });
        const after = await Promise.all(runtimes.map((r) => statsOf(r.child)));
        if (after.every((stats, i) => stats.pgStatements > before[i]!.pgStatements)) break;
      }
      if (Date.now() > deadline) throw new Error('the gateways never balanced over both runtime replicas');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`scale: fleet up: registry, gateway ×2 (${gateways.map((g) => g.url).join(', ')}), runtime ×2, on ${shared.databaseUrl.replace(/\/\/[^@/]*@/, '//')} and ${shared.redisUrl} (bus stream ${shared.stream})`);
    return {
      runtimes,
      gateways,
      children,
      dataRoot,
      jwksUrl,
      token: () => token,
      refreshToken: async () => {
        token = await fetchToken();
      },
    };
  } catch (err) {
    for (const child of children) child.kill('SIGKILL');
    throw err;
  }
}

/** The same load spread over `urls` (the connections split between them), one autocannon instance each, summed. */
async function loadSplit({ urls, scenario, connections, durationS, headers }: { urls: readonly string[]; scenario: ScenarioName; connections: number; durationS: number; headers: Record<string, string> }): Promise<LoadResult> {
  const share = (i: number) => Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0);
  const results = await Promise.all(urls.map((url, i) => runLoad({ url, scenario, connections: share(i), durationS, headers })));
  const sum = (pick: (r: LoadResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const max = (pick: (r: LoadResult) => number) => Math.max(...results.map(pick));
  return {
    requestsPerSec: sum((r) => r.requestsPerSec),
    // Per-instance percentiles cannot be merged exactly; the higher one bounds the row.
    p50Ms: max((r) => r.p50Ms),
    p99Ms: max((r) => r.p99Ms),
    totalRequests: sum((r) => r.totalRequests),
    durationS: max((r) => r.durationS),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    mismatches: sum((r) => r.mismatches),
  };
}

function loadFigures(load: LoadResult): Figures {
  return { 'req/s': load.requestsPerSec, p50: load.p50Ms, p99: load.p99Ms, requests: load.totalRequests, errors: load.errors + load.non2xx + load.mismatches };
}

function failureOf(load: LoadResult): string | undefined {
  return isCleanRun(load) ? undefined : `${load.errors} errors (${load.timeouts} timeouts), ${load.non2xx} non-2xx, ${load.mismatches} bad bodies: not a result`;
}

/**
 * One row of the table: `work` runs the setup under load and says its load
 * and figures. A load with errors is a row that says so; a setup that fails
 * outright is a row without figures, logged as it happens.
 */
async function measuredRow({ scenario, setup, log }: { scenario: ScenarioName; setup: ScaleSetup; log: Log }, work: () => Promise<{ load: LoadResult; figures: Figures }>): Promise<ScaleRow> {
  try {
    const { load, figures } = await work();
    const failure = failureOf(load);
    return { scenario, setup, figures, ...(failure === undefined ? {} : { failure }) };
  } catch (err) {
    const failure = err instanceof Error ? err.message : String(err);
    log(`  ${SETUP_LABELS[setup]}: FAILED: ${failure}`);
    return { scenario, setup, figures: {}, failure };
  }
}

async function verify(scenario: ScenarioName, url: string, headers: Record<string, string>): Promise<string> {
  if (scenario === 'streaming') return `${(await verifyStreaming({ url, headers })).eventCount} events`;
  return `${(await verifySendMessage({ url, headers })).bytes} B`;
}

/** The SDK and the SQLite runtime, as the sendmessage and streaming parts run them (a fresh process each). */
async function measureSingle({ scenario, setup, options }: { scenario: ScenarioName; setup: 'sdk' | 'sqlite'; options: ScaleBenchOptions }): Promise<ScaleRow> {
  const { connections, warmupS, durationS, dataRoot, log } = options;
  return measuredRow({ scenario, setup, log }, () =>
    withTarget({ id: setup === 'sdk' ? 'b' : 'c', scenario, dataRoot }, async (target) => {
      await verify(scenario, target.url, {});
      const load = await measure({ url: target.url, scenario, connections, warmupS, durationS, cpuMicros: () => target.cpuMicros() });
      const figures: Figures = { ...loadFigures(load), ...(load.cpuMicrosPerRequest === undefined ? {} : { 'cpu.runtime': load.cpuMicrosPerRequest }) };
      return { load, figures };
    }),
  );
}

/**
 * The gateway on the embedded default, as `agentmesh up` runs it: a registry,
 * a gateway and a runtime on SQLite, each a process, the load through the
 * gateway. Its CPU per call is what the fleet's gateway figure is held to,
 * measured under the same load on the same host in the same run.
 */
async function measureGatewaySqlite({ scenario, options }: { scenario: ScenarioName; options: ScaleBenchOptions }): Promise<ScaleRow> {
  const { connections, warmupS, durationS, dataRoot, log } = options;
  const setup = 'gateway-sqlite' as const;
  const children: ChildProcess[] = [];
  const start = async (spec: Record<string, unknown>) => {
    const started = await startStackChild(spec);
    children.push(started.child);
    return started;
  };
  const root = await mkdtemp(join(dataRoot, 'gateway-sqlite-'));
  try {
    return await measuredRow({ scenario, setup, log }, async () => {
      const registry = await start({ kind: 'registry', dataDir: join(root, 'registry') });
      const registryUrl = registry.message['url']!;
      const port = await freePort();
      const gatewayUrl = `http://127.0.0.1:${port}`;
      const gateway = await start({ kind: 'control', dataDir: join(root, 'gateway'), adminToken: ADMIN, registryUrl, port, publicUrl: gatewayUrl, keyEncryptionSecret: SECRET });
      await start({ kind: 'runtime', dataDir: join(root, 'runtime'), registryUrl, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
      const token = await (await provisionBenchClient({ gatewayUrl, adminToken: ADMIN }))();
      const url = `${gatewayUrl}${PATH}`;
      const headers = { authorization: `Bearer ${token}` };
      const deadline = Date.now() + 30_000;
      for (;;) {
        const card = await fetch(`${url}/.well-known/agent-card.json`);
        await card.arrayBuffer();
        if (card.status === 200) break;
        if (Date.now() > deadline) throw new Error('the gateway never routed to the runtime');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await verify(scenario, url, headers);
      if (warmupS > 0) await loadSplit({ urls: [url], scenario, connections, durationS: warmupS, headers });
      const before = await statsOf(gateway.child);
      const load = await loadSplit({ urls: [url], scenario, connections, durationS, headers });
      const after = await statsOf(gateway.child);
      const figures: Figures = { ...loadFigures(load), ...(load.totalRequests > 0 ? { 'cpu.gateway': (after.micros - before.micros) / load.totalRequests } : {}) };
      return { load, figures };
    });
  } finally {
    for (const child of children) child.kill(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ? 'SIGINT' : 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
}

/** The samples taken before or after a loaded window: every replica's stats, the database's and Redis's. */
export interface Snapshot {
  runtimes: (CallCounts & { micros: number })[];
  gateways: (CallCounts & { micros: number })[];
  /** The CPU so far of the HAProxy fronts the row loads, µs (the `haproxy-jwt-2` and `spoe-2` rows'). */
  haproxy?: number;
  postgres: PostgresSample;
  redis: RedisSample;
}

async function snapshot(fleet: Fleet, database: BenchDatabase, redis: Redis, fronts: readonly NativeRelay[]): Promise<Snapshot> {
  const [runtimes, gateways] = await Promise.all([Promise.all(fleet.runtimes.map((r) => statsOf(r.child))), Promise.all(fleet.gateways.map((g) => statsOf(g.child)))]);
  const [postgres, redisSample] = await Promise.all([database.sample(), sampleRedis(redis)]);
  let haproxy = 0;
  for (const relay of fronts) haproxy += await relay.cpuMicros();
  return { runtimes, gateways, postgres, redis: redisSample, haproxy };
}

/** Redis commands per task below this are noise (a blocking read a second, a heartbeat) and left out of the breakdown. */
const MIN_COMMANDS_PER_TASK = 0.01;

/** The figures of a loaded window from the samples around it. Roles not loaded by the row (an idle gateway) are left out. */
export function sharedFigures({ before, after, used, tasks, wal }: { before: Snapshot; after: Snapshot; used: { runtimes: number; gateways: number; haproxy?: boolean }; tasks: number; wal: { cluster: number; database?: number } }): Figures {
  const per = (value: number) => value / tasks;
  const figures: Figures = {};
  const role = (name: 'runtime' | 'gateway', count: number, pick: (s: Snapshot) => (CallCounts & { micros: number })[]) => {
    if (count === 0) return;
    const deltas = (key: keyof CallCounts | 'micros') => pick(after).slice(0, count).map((stats, i) => stats[key] - pick(before)[i]![key]);
    const delta = (key: keyof CallCounts | 'micros') => deltas(key).reduce((a, b) => a + b, 0);
    figures[`cpu.${name}`] = per(delta('micros'));
    // How evenly the replicas shared the work: the least loaded one's CPU over the most loaded one's (1 = even).
    if (count > 1) figures[`balance.${name}`] = Math.min(...deltas('micros')) / Math.max(1, ...deltas('micros'));
    figures[`pg.statements.${name}`] = per(delta('pgStatements'));
    figures[`pg.transactions.${name}`] = per(delta('pgTransactions'));
    figures[`redis.commands.${name}`] = per(delta('redisCommands'));
  };
  role('runtime', used.runtimes, (s) => s.runtimes);
  role('gateway', used.gateways, (s) => s.gateways);
  if (used.haproxy === true) figures['cpu.haproxy'] = per((after.haproxy ?? 0) - (before.haproxy ?? 0));
  figures['cpu.postgres'] = per(cpuDelta(before.postgres.backends, after.postgres.backends));
  figures['cpu.autovacuum'] = per(cpuDelta(before.postgres.autovacuum, after.postgres.autovacuum));
  figures['cpu.redis'] = per(after.redis.cpuMicros - before.redis.cpuMicros);
  figures['pg.wal'] = per(wal.cluster);
  if (wal.database !== undefined) figures['pg.wal.db'] = per(wal.database);
  const commands = commandStatsDelta(before.redis.commands, after.redis.commands);
  // The bench's own samples.
  commands.delete('info');
  let total = 0;
  for (const [command, calls] of commands) {
    total += calls;
    if (per(calls) >= MIN_COMMANDS_PER_TASK) figures[`redis.cmd.${command}`] = per(calls);
  }
  figures['redis.server'] = per(total);
  return figures;
}

async function measureShared({
  scenario,
  setup,
  fleet,
  database,
  redis,
  options,
}: {
  scenario: ScenarioName;
  setup: Exclude<ScaleSetup, 'sdk' | 'sqlite' | 'gateway-sqlite'>;
  fleet: Fleet;
  database: BenchDatabase;
  redis: Redis;
  options: ScaleBenchOptions;
}): Promise<ScaleRow> {
  const { connections, warmupS, durationS, log } = options;
  const spoe = setup === 'spoe-2';
  const jwt = setup === 'haproxy-jwt-2';
  // The JWT fronts leave the gateways idle: they only minted the token and publish the key HAProxy verifies it with.
  const used = { runtimes: setup === 'pg-1' ? 1 : 2, gateways: setup === 'gateway-2' || spoe ? 2 : 0, haproxy: spoe || jwt };
  const headers: Record<string, string> = setup === 'gateway-2' || spoe || jwt ? { authorization: `Bearer ${fleet.token()}` } : {};
  return measuredRow({ scenario, setup, log }, async () => {
    const fronts = spoe ? await startSpoeFronts(fleet, fleet.dataRoot) : jwt ? await startHaproxyJwtFronts(fleet) : [];
    const urls = used.haproxy
      ? fronts.map((relay) => `${relay.origin}${PATH}`)
      : setup === 'gateway-2'
        ? fleet.gateways.map((g) => `${g.url}${PATH}`)
        : fleet.runtimes.slice(0, used.runtimes).map((r) => r.url);
    for (const url of urls) await verify(scenario, url, headers);
    if (warmupS > 0) await loadSplit({ urls, scenario, connections, durationS: warmupS, headers });
    const before = await snapshot(fleet, database, redis, fronts);
    // The load generators run in this process and take their share of the same two cores: counted apart, not in a call's total.
    const loadgen = process.cpuUsage();
    const load = await loadSplit({ urls, scenario, connections, durationS, headers });
    const { user, system } = process.cpuUsage(loadgen);
    const after = await snapshot(fleet, database, redis, fronts);
    const wal = await database.walBetween(before.postgres.lsn, after.postgres.lsn);
    const figures = { ...loadFigures(load), ...(load.totalRequests > 0 ? { ...sharedFigures({ before, after, used, tasks: load.totalRequests, wal }), 'cpu.loadgen': (user + system) / load.totalRequests } : {}) };
    return { load, figures };
  });
}

function progress(row: ScaleRow): string {
  const f = row.figures;
  const cpu = ['runtime', 'gateway', 'haproxy', 'postgres', 'autovacuum', 'redis', 'loadgen']
    .filter((role) => f[`cpu.${role}`] !== undefined)
    .map((role) => `${role} ${f[`cpu.${role}`]!.toFixed(0)}`)
    .join(', ');
  const db = f['pg.wal'] === undefined ? '' : `; per task: PG ${((f['pg.statements.runtime'] ?? 0) + (f['pg.statements.gateway'] ?? 0)).toFixed(1)} round trips, WAL ${(f['pg.wal.db'] ?? f['pg.wal']).toFixed(0)} B, Redis ${(f['redis.server'] ?? 0).toFixed(1)} ops`;
  const balance = ['runtime', 'gateway']
    .filter((role) => f[`balance.${role}`] !== undefined)
    .map((role) => `${role} replicas' CPU min/max ${f[`balance.${role}`]!.toFixed(2)}`)
    .join(', ');
  return `  ${SETUP_LABELS[row.setup]}: ${(f['req/s'] ?? 0).toFixed(0)} req/s, p99 ${f['p99'] ?? '-'} ms; CPU µs/call ${cpu}${db}${balance === '' ? '' : `; ${balance}`}${row.failure === undefined ? '' : `; ${row.failure}`}`;
}

/** Runs the scale part; resolves with `skipped` set when PostgreSQL or Redis is not there. */
export async function runScaleBench(options: ScaleBenchOptions): Promise<ScaleBenchReport> {
  const { databaseUrl, redisUrl, scenarios, setups, durationS, warmupS, connections, rounds, log } = options;
  const empty: ScaleBenchReport = { rounds, durationS, warmupS, connections, walByDatabase: false, rows: [], roundRows: [] };
  const hint = 'set BENCH_DATABASE_URL (a role that may CREATE DATABASE) and BENCH_REDIS_URL to run this part';
  const unreachable = (await postgresUnreachable(databaseUrl)) ?? (await redisUnreachable(redisUrl));
  if (unreachable !== undefined) {
    log(`scale: skipped: ${unreachable} (${hint})`);
    return { ...empty, skipped: `${unreachable} (${hint})` };
  }
  const suffix = randomBytes(5).toString('hex');
  let database: BenchDatabase;
  try {
    database = await createBenchDatabase({ adminUrl: databaseUrl, name: `agentmesh_bench_${suffix}` });
  } catch (err) {
    const reason = `could not create the run's database: ${err instanceof Error ? err.message : String(err)} (${hint})`;
    log(`scale: skipped: ${reason}`);
    return { ...empty, skipped: reason };
  }
  const shared: SharedState = { databaseUrl: database.url, redisUrl, stream: `agentmesh:bench:${suffix}` };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const dataRoot = await mkdtemp(join(options.dataRoot, 'scale-'));
  let fleet: Fleet | undefined;
  try {
    log(`scale: database ${database.name}${database.walinspect ? ' (WAL attributed with pg_walinspect)' : ' (no pg_walinspect: WAL of the whole cluster only)'}; starting the fleet…`);
    fleet = await startFleet({ shared, dataRoot, log });
    const footprint = await database.footprint();
    const roundRows: ScaleRow[][] = [];
    const anchors: number[] = [];
    let anchorFailure: string | undefined;
    for (let round = 1; round <= rounds; round++) {
      if (round > 1) await fleet.refreshToken();
      // The database's own ceiling for the same transaction, in the same round (pgbench-anchor.ts).
      const anchor = await runPgbenchAnchor({ url: database.url, connections, durationS, dir: dataRoot });
      if ('tps' in anchor) anchors.push(anchor.tps);
      else anchorFailure = anchor.failure;
      log(`scale${rounds > 1 ? ` round ${round} of ${rounds}` : ''}: pgbench anchor (a task row + three event rows per transaction, ${connections} clients): ${'tps' in anchor ? `${anchor.tps.toFixed(0)} tx/s` : `FAILED: ${anchor.failure}`}`);
      const rows: ScaleRow[] = [];
      for (const scenario of scenarios) {
        log(`scale${rounds > 1 ? ` round ${round} of ${rounds}` : ''}: ${scenario === 'streaming' ? 'SendStreamingMessage' : 'SendMessage'}, warm-up ${warmupS} s then ${durationS} s per setup at ${connections} connections`);
        for (const setup of setups) {
          // The SPOE fronts relay a stream to the gateway (the agent cannot settle it from its events): no row of their own.
          // The JWT fronts relay it to the runtimes as any response. Without HAProxy on the machine (never installed by the
          // bench) their rows are skipped, as the gateway bench skips its rows.
          if (setup === 'spoe-2' && scenario === 'streaming') continue;
          if (HAPROXY_SETUPS.includes(setup) && !(await haproxyInstalled(log, setups))) continue;
          const row =
            setup === 'sdk' || setup === 'sqlite'
              ? await measureSingle({ scenario, setup, options: { ...options, dataRoot } })
              : setup === 'gateway-sqlite'
                ? await measureGatewaySqlite({ scenario, options: { ...options, dataRoot } })
                : await measureShared({ scenario, setup, fleet, database, redis, options });
          log(progress(row));
          rows.push(row);
        }
      }
      roundRows.push(rows);
    }
    const grown = await database.footprint();
    const stored = grown.tasks - footprint.tasks;
    const pgbench = anchors.length > 0 ? { tps: median(anchors)!, rounds: anchors } : { failure: anchorFailure ?? 'not run' };
    return { ...empty, walByDatabase: database.walinspect, ...(stored > 0 ? { diskBytesPerTask: (grown.bytes - footprint.bytes) / stored } : {}), pgbench, rows: summarizeScaleRounds(roundRows), roundRows };
  } finally {
    // SIGINT lets a child profiled through BENCH_GATEWAY_NODE_OPTIONS write its profile.
    for (const relay of [...(fleet?.spoe ?? []), ...(fleet?.haproxyJwt ?? [])]) await relay.stop();
    for (const child of fleet?.children ?? []) child.kill(process.env['BENCH_GATEWAY_NODE_OPTIONS'] ? 'SIGINT' : 'SIGKILL');
    await redis.del(shared.stream).catch(() => undefined);
    redis.disconnect();
    await database.drop().catch((err: unknown) => log(`scale: could not drop database ${database.name}: ${err instanceof Error ? err.message : String(err)}`));
    await rm(dataRoot, { recursive: true, force: true });
  }
}
