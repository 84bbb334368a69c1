/**
 * The registry part of `npm run bench`: registration throughput into an
 * embedded registry, then ARD `POST /search` over 10,000 agents — latency at
 * one connection, throughput at ten — next to a bare node:http server
 * answering the same response bytes (the anchor), measured in the same run.
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

type Log = (line: string) => void;

/** What the registry part measured. */
export interface RegistryBenchReport {
  agents: number;
  registrationPerSec: number;
  rows: Array<{ target: 'registry' | 'bare'; p50Ms: number; p99Ms: number; latencyRequests: number; requestsPerSec: number; distinctRequestsPerSec: number; errors: number; non2xx: number }>;
}

async function startChild(start: Record<string, unknown>): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(new URL('./registry-target.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ type: 'start', ...start });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ type: 'exit' }])])) as [{ type: string; url?: string }];
  if (message.type !== 'ready' || !message.url) throw new Error('registry bench target failed to start');
  return { url: message.url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.send({ type: 'stop' });
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000).unref())]);
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
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
    times.push(performance.now() - started);
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

/** Runs the registry part; `agents` registered, each load phase `durationS` seconds. */
export async function runRegistryBench({ agents, durationS, log }: { agents: number; durationS: number; log: Log }): Promise<RegistryBenchReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-registry-'));
  const registry = await startChild({ kind: 'registry', dataDir });
  try {
    const bodies = syntheticAgents(agents);
    log(`registry: registering ${agents} agents (PUT /v1/agents/{name}, 16 at a time)…`);
    const started = performance.now();
    let next = 0;
    let lastReport = started;
    const worker = async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const { name, body } = bodies[i]!;
        const res = await fetch(`${registry.url}/v1/agents/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (res.status !== 201 && res.status !== 200) throw new Error(`registration of ${name} answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer().catch(() => undefined);
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          log(`  ${next} / ${agents} registered`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const registrationPerSec = agents / ((performance.now() - started) / 1000);
    log(`  ${agents} registered, ${registrationPerSec.toFixed(0)} registrations/s`);

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
    const bare = await startChild({ kind: 'bare', body: sampleBody });
    let anchor;
    try {
      log('bare node:http (same response bytes): same load…');
      anchor = await measure(bare.url, warmup, unique, traffic, distinct, durationS);
    } finally {
      await stopChild(bare.child);
    }
    return { agents, registrationPerSec, rows: [{ target: 'registry', ...ours }, { target: 'bare', ...anchor }] };
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
    `  registration: ${report.registrationPerSec.toFixed(0)} agents/s (PUT, 16 concurrent, SQLite)`,
    `  acceptance: search p99 ${ours!.p99Ms.toFixed(2)} ms (≤ 5 ms: ${ours!.p99Ms <= 5 ? 'met' : 'NOT met'}); ${ours!.requestsPerSec.toFixed(0)} searches/s on Zipf traffic (≥ 2000: ${ours!.requestsPerSec >= 2000 ? 'met' : 'NOT met'}); ${ours!.distinctRequestsPerSec.toFixed(0)} on all-distinct queries (${ours!.distinctRequestsPerSec >= 2000 ? 'met' : 'NOT met'})`,
  ];
  return lines;
}
