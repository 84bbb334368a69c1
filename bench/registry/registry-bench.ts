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
import autocannon from 'autocannon';
import { syntheticAgents, syntheticQueries } from './synthetic-agents.js';

type Log = (line: string) => void;

/** What the registry part measured. */
export interface RegistryBenchReport {
  agents: number;
  registrationPerSec: number;
  rows: Array<{ target: 'registry' | 'bare'; p50Ms: number; p99Ms: number; latencyRequests: number; requestsPerSec: number; errors: number; non2xx: number }>;
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

async function measure(url: string, bodies: string[], durationS: number) {
  // Warm the JIT and the index caches before measuring.
  await load(url, bodies, 4, 2);
  const latency = await load(url, bodies, 1, durationS);
  const throughput = await load(url, bodies, 10, durationS);
  return {
    p50Ms: latency.latency.p50,
    p99Ms: latency.latency.p99,
    latencyRequests: latency.requests.total,
    requestsPerSec: throughput.requests.average,
    errors: latency.errors + throughput.errors,
    non2xx: latency.non2xx + throughput.non2xx,
  };
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

    const queries = syntheticQueries(200).map((text) => JSON.stringify({ query: { text }, pageSize: 10 }));
    const sample = await fetch(`${registry.url}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: queries[0] });
    const sampleBody = await sample.text();
    const parsed = JSON.parse(sampleBody) as { results?: unknown[] };
    if (sample.status !== 200 || !parsed.results?.length) throw new Error(`search answered ${sample.status}: ${sampleBody.slice(0, 200)}`);
    log(`registry: searching (${durationS} s at 1 connection, ${durationS} s at 10)…`);
    const ours = await measure(registry.url, queries, durationS);
    await stopChild(registry.child);
    const bare = await startChild({ kind: 'bare', body: sampleBody });
    let anchor;
    try {
      log('bare node:http (same response bytes): same load…');
      anchor = await measure(bare.url, queries, durationS);
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
    `ARD search over ${report.agents} agents (POST /search, pageSize 10, 200 rotating queries)`,
    '  target     p50 ms  p99 ms  (1 conn)   req/s (10 conn)  errors',
    ...report.rows.map((r) => `  ${r.target.padEnd(9)} ${r.p50Ms.toFixed(2).padStart(7)} ${r.p99Ms.toFixed(2).padStart(7)}            ${r.requestsPerSec.toFixed(0).padStart(10)}      ${r.errors + r.non2xx}`),
    `  registry / bare: throughput ${(ours!.requestsPerSec / bare!.requestsPerSec).toFixed(2)}×, p99 ${(ours!.p99Ms / Math.max(bare!.p99Ms, 0.01)).toFixed(2)}×`,
    `  registration: ${report.registrationPerSec.toFixed(0)} agents/s (PUT, 16 concurrent, SQLite)`,
    `  acceptance: search p99 ${ours!.p99Ms.toFixed(2)} ms (≤ 5 ms: ${ours!.p99Ms <= 5 ? 'met' : 'NOT met'}); ${ours!.requestsPerSec.toFixed(0)} searches/s (≥ 2000: ${ours!.requestsPerSec >= 2000 ? 'met' : 'NOT met'})`,
  ];
  return lines;
}
