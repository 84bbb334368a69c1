/**
 * The registry search's tail, in one process, without HTTP: the index alone
 * at `--agents` synthetic agents (the registry bench's corpus and queries),
 * warmed with 1,000 queries, then 2,000 never-seen queries one at a time —
 * the same query sets `npm run bench -- --only registry` sends.
 *
 * Prints p50/p99/max of the wall time and of this thread's CPU time per
 * search, the scavenges and their pauses during the timed searches, the
 * bytes allocated per search (heap growth over searches no collection
 * interrupted) and a digest of every answer: two builds that print the same
 * digest answered byte-identically (results, scores, totals, page tokens).
 *
 * `--profile <file>` writes a CPU profile of the timed searches, `--allocations
 * <file>` a sampling heap profile of what they allocated.
 *
 *   npx tsc -p tsconfig.bench.json && node dist/bench/registry/search-tail.js --agents 100000
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentMetadata, AgentRecord } from '../../src/contracts/registry/index.js';
import { SearchIndex } from '../../src/registry/search/index.js';
import { syntheticAgents, syntheticQueries } from './synthetic-agents.js';

const { values } = parseArgs({ options: { agents: { type: 'string', default: '100000' }, warmup: { type: 'string', default: '1000' }, searches: { type: 'string', default: '2000' }, profile: { type: 'string' }, allocations: { type: 'string' } } });
const agentCount = Number(values.agents);
const warmupCount = Number(values.warmup);
const searchCount = Number(values.searches);

function toRecord(name: string, body: Record<string, unknown>, i: number): AgentRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return { name, identifier: `urn:air:example.com:agent:${name}`, card: body.card as AgentCard, sourceProtocol: '1.0', signed: false, metadata: body.metadata as AgentMetadata, status: 'active', health: 'healthy', revision: 1, createdAt: at, updatedAt: at };
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const index = new SearchIndex({ baseUrl: 'https://registry.example.com' });
const records = syntheticAgents(agentCount).map(({ name, body }, i) => toRecord(name, body, i));
const built = process.hrtime.bigint();
const buildCpu = process.cpuUsage();
for (const record of records) index.upsert(record);
const buildS = Number(process.hrtime.bigint() - built) / 1e9;
const { user, system } = process.cpuUsage(buildCpu);
const upsertCpuUs = (user + system) / agentCount;
globalThis.gc?.();
const heapAfterBuild = process.memoryUsage();

// The bench's sets: 1,000 warm-up queries, then 2,000 never searched before.
const queries = syntheticQueries(warmupCount + searchCount + 12_000);
for (const text of queries.slice(0, warmupCount)) index.search({ text, pageSize: 10 });

const gcs: Array<{ kind: number; ms: number }> = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push({ kind: (entry as PerformanceEntry & { detail: { kind: number } }).detail.kind, ms: entry.duration });
});
observer.observe({ entryTypes: ['gc'] });

// `--profile <file>`: a CPU profile of the timed searches only (open it in Chrome's DevTools).
// `--allocations <file>`: a sampling heap profile of them (what allocated, kept or not).
const session = values.profile === undefined && values.allocations === undefined ? undefined : new Session();
session?.connect();
if (values.profile !== undefined) {
  await session!.post('Profiler.enable');
  await session!.post('Profiler.setSamplingInterval', { interval: 100 });
  await session!.post('Profiler.start');
}
if (values.allocations !== undefined) {
  await session!.post('HeapProfiler.enable');
  await session!.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const wall: number[] = [];
const cpu: number[] = [];
const digest = createHash('sha256');
let allocated = 0;
let allocatedSamples = 0;
for (const text of queries.slice(warmupCount, warmupCount + searchCount)) {
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const response = index.search({ text, pageSize: 10 });
  wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const used = process.cpuUsage(cpuBefore);
  cpu.push((used.user + used.system) / 1000);
  const grown = process.memoryUsage().heapUsed - heapBefore;
  // A collection during the search makes the growth meaningless (negative or short): such searches are left out.
  if (grown > 0) {
    allocated += grown;
    allocatedSamples += 1;
  }
  digest.update(JSON.stringify(response));
}
if (values.profile !== undefined) await writeFile(values.profile, JSON.stringify((await session!.post('Profiler.stop')).profile));
if (values.allocations !== undefined) await writeFile(values.allocations, JSON.stringify((await session!.post('HeapProfiler.stopSampling')).profile));
// Entries are delivered asynchronously.
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();

wall.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const scavenges = gcs.filter((g) => g.kind === 1);
const others = gcs.filter((g) => g.kind !== 1);
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MB`;
console.log(`agents ${index.size}, indexed in ${buildS.toFixed(1)} s (${upsertCpuUs.toFixed(0)} µs of CPU an upsert); heap ${mb(heapAfterBuild.heapUsed)}, resident ${mb(heapAfterBuild.rss)} after indexing${globalThis.gc === undefined ? ' (run with --expose-gc for a collected heap)' : ''}`);
console.log(`${searchCount} never-seen searches after ${warmupCount} warm-up ones:`);
console.log(`  wall ms: p50 ${percentile(wall, 0.5).toFixed(3)}  p99 ${percentile(wall, 0.99).toFixed(3)}  max ${wall.at(-1)!.toFixed(2)}  mean ${(wall.reduce((a, b) => a + b, 0) / wall.length).toFixed(3)}`);
console.log(`  cpu ms:  p50 ${percentile(cpu, 0.5).toFixed(3)}  p99 ${percentile(cpu, 0.99).toFixed(3)}  max ${cpu.at(-1)!.toFixed(2)}  mean ${(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(3)}`);
console.log(`  allocated per search: ${(allocated / Math.max(1, allocatedSamples) / 1024).toFixed(1)} KB (over ${allocatedSamples} searches without a collection)`);
console.log(`  scavenges ${scavenges.length} (${scavenges.reduce((a, g) => a + g.ms, 0).toFixed(0)} ms, max ${Math.max(0, ...scavenges.map((g) => g.ms)).toFixed(1)}); other collections ${others.length} (${others.reduce((a, g) => a + g.ms, 0).toFixed(0)} ms, max ${Math.max(0, ...others.map((g) => g.ms)).toFixed(1)})`);
console.log(`  heap after ${mb(process.memoryUsage().heapUsed)}, resident ${mb(process.memoryUsage().rss)}`);
console.log(`  answers digest ${digest.digest('hex').slice(0, 16)}`);
