/**
 * The registry part of `npm run bench`: registration throughput into a
 * registry (embedded SQLite, or PostgreSQL with BENCH_REGISTRY_DATABASE_URL),
 * 16 writers at once, next to a bare node:http server whose PUT writes the
 * same body as one SQLite row; the registry's memory; how long a new gateway
 * takes to load the registry and route; then ARD `POST /search` over the
 * agents — latency at one connection, throughput at ten — next to a bare
 * node:http server answering the same response bytes. Anchors run in the
 * same run, so the ratios hold on a loaded host.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { syntheticAgents, syntheticQueries } from './synthetic-agents.js';
import { profileDir } from './cpu-profile.js';
import { timedPost } from '../timed-post.js';

type Log = (line: string) => void;

/** What the registry part measured. */
export interface RegistryBenchReport {
  agents: number;
  database: 'sqlite' | 'postgres';
  registrationPerSec: number;
  registration: RegistrationRun;
  /** The bare node:http PUT writing one SQLite row, same writers, same bodies (up to 10,000 of them). */
  barePut: RegistrationRun;
  /** The registry process after registration: resident set and live heap, MB. */
  memory: { rssMb: number; heapMb: number };
  /** A new gateway against the full registry: until its routing cache is loaded and the last agent routes, s. */
  gatewayLoadS: number;
  rows: Array<{ target: 'registry' | 'bare'; p50Ms: number; p99Ms: number; latencyRequests: number; requestsPerSec: number; distinctRequestsPerSec: number; errors: number; non2xx: number }>;
}

/** One registration run: 16 writers, each request timed. */
export interface RegistrationRun {
  count: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers 503 (the store unavailable for a moment) sent again, as a registering agent does: each counts in the latency of its registration. */
  retried503: number;
}

/** Times a registration answered 503 is sent again before the run fails. */
const RETRIES_OF_503 = 5;

function put(target: URL, agent: Agent, name: string, text: string): Promise<{ status: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: `/v1/agents/${name}`, method: 'PUT', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: data }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** PUTs every body, `writers` at a time, each writer on its own keep-alive connection. */
async function registerAll(url: string, bodies: Array<{ name: string; body: Record<string, unknown> }>, writers: number, log: Log): Promise<RegistrationRun> {
  const target = new URL(url);
  const times: number[] = [];
  const started = performance.now();
  let next = 0;
  let lastReport = started;
  let retried503 = 0;
  const worker = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = next++; i < bodies.length; i = next++) {
        const { name, body } = bodies[i]!;
        const text = JSON.stringify(body);
        const t0 = performance.now();
        let { status, answer } = await put(target, agent, name, text);
        for (let retry = 0; status === 503 && retry < RETRIES_OF_503; retry++) {
          retried503++;
          ({ status, answer } = await put(target, agent, name, text));
        }
        times.push(performance.now() - t0);
        if (status !== 201 && status !== 200) throw new Error(`registration of ${name} answered ${status}: ${answer.slice(0, 300)}`);
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          log(`  ${next} / ${bodies.length} registered`);
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: writers }, worker));
  const wallMs = performance.now() - started;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { count: times.length, perSec: times.length / (wallMs / 1000), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times.at(-1)!, retried503 };
}

/** Has the registry process write its CPU profile of the phase just run (with `BENCH_REGISTRY_PROFILE_DIR`). */
async function profilePhase(child: ChildProcess, name: string): Promise<void> {
  if (profileDir === undefined || profileDir === '') return;
  const answer = once(child, 'message');
  child.send({ type: 'profile', name });
  await answer;
}

async function memoryOf(child: ChildProcess): Promise<{ rssMb: number; heapMb: number }> {
  const answer = once(child, 'message');
  child.send({ type: 'memory' });
  const [message] = (await answer) as [{ rss: number; heapUsed: number }];
  return { rssMb: message.rss / 1e6, heapMb: message.heapUsed / 1e6 };
}

/**
 * A new gateway started against the registry, in its own process (as in
 * production): seconds until its cache is loaded and `lastAgent` routes.
 */
async function gatewayLoad(registryUrl: string, lastAgent: string): Promise<number> {
  const child = fork(fileURLToPath(new URL('./gateway-start-target.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    child.send({ type: 'start', registryUrl, lastAgent });
    const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [{ type: string; seconds?: number }];
    if (message.type !== 'routed' || message.seconds === undefined) throw new Error('the bench gateway exited before it routed');
    return message.seconds;
  } finally {
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10_000).unref())]);
    child.kill('SIGKILL');
  }
}

/**
 * Extra node options for the registry process only (not the anchors), from
 * `BENCH_REGISTRY_NODE_OPTIONS`: `--cpu-prof --cpu-prof-dir=/tmp/prof` profiles a
 * registration run; the profile is written when the process stops.
 */
const registryNodeOptions = (process.env.BENCH_REGISTRY_NODE_OPTIONS ?? '').split(/\s+/).filter((option) => option.length > 0);

async function startChild(start: Record<string, unknown>): Promise<{ url: string; child: ChildProcess }> {
  const extra = start['kind'] === 'registry' ? registryNodeOptions : [];
  const child = fork(fileURLToPath(new URL('./registry-target.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc', ...extra] });
  child.send({ type: 'start', ...start });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [{ type: string; url?: string }];
  if (message.type !== 'ready' || !message.url) throw new Error('registry bench target failed to start');
  return { url: message.url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.send({ type: 'stop' });
  // A CPU profile of minutes of registrations takes a while to write on exit.
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, registryNodeOptions.length > 0 ? 120_000 : 5000).unref())]);
  child.kill('SIGKILL');
}

function load(url: string, bodies: string[], connections: number, durationS: number): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/search`,
        connections,
        duration: durationS,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length]! }),
          },
        ],
      },
      (err: Error | null, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/**
 * One request at a time on one keep-alive connection, timed with the
 * high-resolution clock (autocannon reports whole milliseconds). Each query
 * is sent once: no answer comes from a cache a repeated query would warm.
 */
async function sequentialLatency(url: string, bodies: string[]): Promise<{ p50Ms: number; p99Ms: number; count: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url}/search`);
  const times: number[] = [];
  let failures = 0;
  for (const body of bodies) {
    const { status, ms } = await timedPost(agent, target, body);
    times.push(ms);
    if (status !== 200) failures++;
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), count: times.length, failures };
}

async function measure(url: string, warmup: string[], unique: string[], traffic: string[], distinct: string[], durationS: number) {
  // Warm the JIT (not the query caches: the latency queries are all new).
  await sequentialLatency(url, warmup);
  const latency = await sequentialLatency(url, unique);
  const throughput = await load(url, traffic, 10, durationS);
  const cold = await load(url, distinct, 10, durationS);
  return {
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    latencyRequests: latency.count,
    requestsPerSec: throughput.requests.average,
    distinctRequestsPerSec: cold.requests.average,
    errors: throughput.errors + cold.errors,
    non2xx: latency.failures + throughput.non2xx + cold.non2xx,
  };
}

/**
 * Search traffic as registries see it: a few queries often, most rarely
 * (Zipf, s = 1, over `pool`), `length` requests long. Deterministic.
 */
function zipfTraffic(pool: string[], length: number): string[] {
  const weights = pool.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length }, () => {
    const u = next();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return pool[lo]!;
  });
}

/** Runs the registry part; `agents` registered, each load phase `durationS` seconds; on PostgreSQL when `databaseUrl` is set. */
export async function runRegistryBench({ agents, durationS, log, databaseUrl }: { agents: number; durationS: number; log: Log; databaseUrl?: string | undefined }): Promise<RegistryBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-registry-'));
  const database = databaseUrl ? 'postgres' : 'sqlite';
  const registry = await startChild({ kind: 'registry', dataDir, ...(databaseUrl && { databaseUrl }) });
  try {
    const bodies = syntheticAgents(agents);
    log(`registry: registering ${agents} agents on ${database} (PUT /v1/agents/{name}, 16 at a time)…`);
    const registration = await registerAll(registry.url, bodies, 16, log);
    const registrationPerSec = registration.perSec;
    await profilePhase(registry.child, 'registry-registration');
    log(`  ${agents} registered, ${registrationPerSec.toFixed(0)} registrations/s, p50 ${registration.p50Ms.toFixed(1)} ms, p99 ${registration.p99Ms.toFixed(1)} ms`);
    const memory = await memoryOf(registry.child);
    log(`  registry process: ${memory.rssMb.toFixed(0)} MB resident, ${memory.heapMb.toFixed(0)} MB heap`);
    const bare = await startChild({ kind: 'bare-put', dataDir });
    let barePut: RegistrationRun;
    try {
      log('bare node:http PUT writing one SQLite row: same writers, same bodies…');
      barePut = await registerAll(bare.url, bodies.slice(0, 10_000), 16, log);
    } finally {
      await stopChild(bare.child);
    }
    log(`  ${barePut.perSec.toFixed(0)} PUTs/s, p50 ${barePut.p50Ms.toFixed(1)} ms, p99 ${barePut.p99Ms.toFixed(1)} ms`);
    log('a new gateway loads the registry (watch stream, then pages of agents with their instances)…');
    const gatewayLoadS = await gatewayLoad(registry.url, bodies.at(-1)!.name);
    await profilePhase(registry.child, 'registry-gateway-pages');
    log(`  routes after ${gatewayLoadS.toFixed(1)} s`);

    const toBody = (text: string) => JSON.stringify({ query: { text }, pageSize: 10 });
    const all = syntheticQueries(15_000).map(toBody);
    // Disjoint sets: warm-up, the timed one-at-a-time queries (each sent once), the
    // traffic mix (Zipf over 2,000 queries), and all-distinct queries (worst case).
    const warmup = all.slice(0, 1000);
    const unique = all.slice(1000, 3000);
    const traffic = zipfTraffic(all.slice(3000, 5000), 20_000);
    const distinct = all.slice(5000);
    const sample = await fetch(`${registry.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: warmup[0] });
    const sampleBody = await sample.text();
    const parsed = JSON.parse(sampleBody) as { results?: unknown[] };
    if (sample.status !== 200 || !parsed.results?.length) throw new Error(`search answered ${sample.status}: ${sampleBody.slice(0, 200)}`);
    log(`registry: searching (${unique.length} distinct queries one at a time; ${durationS} s of Zipf traffic and ${durationS} s of distinct queries at 10 connections)…`);
    const ours = await measure(registry.url, warmup, unique, traffic, distinct, durationS);
    await stopChild(registry.child);
    const bareSearch = await startChild({ kind: 'bare', body: sampleBody });
    let anchor;
    try {
      log('bare node:http (same response bytes): same load…');
      anchor = await measure(bareSearch.url, warmup, unique, traffic, distinct, durationS);
    } finally {
      await stopChild(bareSearch.child);
    }
    return { agents, database, registrationPerSec, registration, barePut, memory, gatewayLoadS, rows: [{ target: 'registry', ...ours }, { target: 'bare', ...anchor }] };
  } finally {
    registry.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The table and the verdicts. */
export function formatRegistryBench(report: RegistryBenchReport): string[] {
  const [ours, bare] = report.rows;
  const lines = [
    `ARD search over ${report.agents} agents (POST /search, pageSize 10)`,
    `  latency: ${report.rows[0]!.latencyRequests} distinct never-seen queries, one at a time; req/s: 10 connections, Zipf traffic over 2,000 queries / all-distinct queries`,
    '  target     p50 ms  p99 ms   req/s Zipf   req/s distinct  errors',
    ...report.rows.map((r) => `  ${r.target.padEnd(9)} ${r.p50Ms.toFixed(2).padStart(7)} ${r.p99Ms.toFixed(2).padStart(7)} ${r.requestsPerSec.toFixed(0).padStart(12)} ${r.distinctRequestsPerSec.toFixed(0).padStart(15)}  ${r.errors + r.non2xx}`),
    `  registry / bare: Zipf throughput ${(ours!.requestsPerSec / bare!.requestsPerSec).toFixed(2)}×, distinct ${(ours!.distinctRequestsPerSec / bare!.distinctRequestsPerSec).toFixed(2)}×, p99 ${(ours!.p99Ms / Math.max(bare!.p99Ms, 0.01)).toFixed(2)}×`,
    `  registration (PUT, 16 concurrent, ${report.database}): ${report.registration.perSec.toFixed(0)} agents/s, p50 ${report.registration.p50Ms.toFixed(1)} ms, p99 ${report.registration.p99Ms.toFixed(1)} ms, slowest ${report.registration.maxMs.toFixed(0)} ms${report.registration.retried503 > 0 ? `, ${report.registration.retried503} answers 503 sent again` : ''}`,
    `  bare node:http PUT writing one SQLite row: ${report.barePut.perSec.toFixed(0)} /s, p50 ${report.barePut.p50Ms.toFixed(1)} ms, p99 ${report.barePut.p99Ms.toFixed(1)} ms; registry / bare: throughput ${(report.registration.perSec / report.barePut.perSec).toFixed(2)}×`,
    `  registry process after registration: ${report.memory.rssMb.toFixed(0)} MB resident, ${report.memory.heapMb.toFixed(0)} MB heap`,
    `  a new gateway routes after ${report.gatewayLoadS.toFixed(1)} s (≤ 10 s: ${report.gatewayLoadS <= 10 ? 'met' : 'NOT met'})`,
    `  acceptance: search p99 ${ours!.p99Ms.toFixed(2)} ms (≤ 5 ms: ${ours!.p99Ms <= 5 ? 'met' : 'NOT met'}); ${ours!.requestsPerSec.toFixed(0)} searches/s on Zipf traffic (≥ 2000: ${ours!.requestsPerSec >= 2000 ? 'met' : 'NOT met'}); ${ours!.distinctRequestsPerSec.toFixed(0)} on all-distinct queries (${ours!.distinctRequestsPerSec >= 2000 ? 'met' : 'NOT met'})`,
  ];
  return lines;
}
