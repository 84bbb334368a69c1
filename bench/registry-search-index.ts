/**
 * The registry search index alone, without HTTP: how long 10,000 upserts
 * take, then the latency of one search (p50/p99) and searches per second on
 * one thread. The corpus and queries are the registry benchmark's
 * (`bench/registry/synthetic-agents.ts`), so the figures sit next to the
 * HTTP ones of `npm run bench`.
 *
 * The index caches per-term postings and whole rankings until the indexed
 * text changes, so three regimes are measured apart:
 * - repeated queries (plain, filtered, tenant-scoped, second page): rankings cached;
 * - new phrasings (word combinations never searched): term postings cached, ranking computed;
 * - after a change: every search right after one agent's text changed (its words' postings dropped);
 * - cold: every search after enough changes to force a full refresh (all caches empty).
 *
 *   npx tsx bench/registry-search-index.ts [--agents 10000] [--searches 5000]
 */
import { parseArgs } from 'node:util';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentMetadata, AgentRecord } from '../src/contracts/registry/index.js';
import { SearchIndex } from '../src/registry/search/index.js';
import { FULL_REFRESH_FRACTION } from '../src/registry/search/text-ranker.js';
import type { SearchRequest } from '../src/registry/search/index.js';
import { syntheticAgents, syntheticQueries } from './registry/synthetic-agents.js';

/** Requests people actually type, over the same vocabulary, besides the generated ones. */
const PHRASED = [
  'score leads similar to my best customers',
  'find duplicate invoices from suppliers',
  'summarise the quarterly reports',
  'who can translate multilingual documents for legal',
  'detect fraudulent transactions in real time',
  'route inbound support tickets to the right team',
  'forecast payments for finance',
  'reconcile expenses against policies',
  'schedule interviews with candidates',
  'monitor shipments and incidents',
];

function toRecord(name: string, body: Record<string, unknown>, i: number): AgentRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const metadata = body.metadata as AgentMetadata;
  return {
    name,
    identifier: `urn:air:example.com:agent:${name}`,
    card: body.card as AgentCard,
    sourceProtocol: '1.0',
    signed: false,
    // One agent in ten is restricted to one of a few tenants.
    metadata: i % 10 === 0 ? { ...metadata, tenants: [`tenant-${i % 7}`] } : metadata,
    status: 'active',
    health: 'healthy',
    revision: 1,
    createdAt: at,
    updatedAt: at,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(index: SearchIndex, requests: readonly SearchRequest[], count: number, before?: (i: number) => void): { p50: number; p99: number; max: number; perSecond: number; meanResults: number } {
  const warmup = Math.min(500, count);
  for (let i = 0; i < warmup; i++) index.search(requests[i % requests.length]!); // warm the JIT and the caches
  const latencies: number[] = [];
  let results = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0n;
  for (let i = 0; i < count; i++) {
    before?.(i);
    const t0 = process.hrtime.bigint();
    results += index.search(requests[(warmup + i) % requests.length]!).totalSize;
    const took = process.hrtime.bigint() - t0;
    elapsed += took;
    latencies.push(Number(took) / 1e6);
  }
  // Time spent in `before` (e.g. the upsert that empties the caches) is not search time.
  const elapsedMs = before === undefined ? Number(process.hrtime.bigint() - started) / 1e6 : Number(elapsed) / 1e6;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1)!, perSecond: (count / elapsedMs) * 1000, meanResults: results / count };
}

/** Word combinations of the synthetic vocabulary that the repeated set never uses. */
function newPhrasings(count: number): string[] {
  const words = [...new Set(syntheticQueries(200).flatMap((q) => q.split(' ')).filter((w) => w !== 'for'))];
  return Array.from({ length: count }, (_, i) => [0, 1, 2, 3].map((k) => words[(i * 7 + k * 13 + Math.floor(i / words.length)) % words.length]).join(' ') + ` ${i}`);
}

const { values } = parseArgs({ options: { agents: { type: 'string', default: '10000' }, searches: { type: 'string', default: '5000' }, cold: { type: 'string', default: '200' } } });
const agentCount = Number(values.agents);
const searchCount = Number(values.searches);
const coldCount = Number(values.cold);

const records = syntheticAgents(agentCount).map(({ name, body }, i) => toRecord(name, body, i));
const index = new SearchIndex({ baseUrl: 'https://registry.example.com' });
const t0 = process.hrtime.bigint();
for (const record of records) index.upsert(record);
const indexMs = Number(process.hrtime.bigint() - t0) / 1e6;
const t1 = process.hrtime.bigint();
for (const record of records.slice(0, 1000)) index.upsert({ ...record, revision: 2 });
const replaceMs = Number(process.hrtime.bigint() - t1) / 1e6;

const texts = [...syntheticQueries(200), ...PHRASED];
const scenarios: Array<[string, SearchRequest[]]> = [
  ['text', texts.map((text) => ({ text }))],
  ['text + filter', texts.map((text, i) => ({ text, filter: { department: ['sales', 'finance', 'legal'][i % 3], slaTier: ['gold', 'silver'] } }))],
  ['text + tenant', texts.map((text, i) => ({ text, tenant: `tenant-${i % 7}` }))],
  ['text, page 2', texts.map((text) => ({ text, pageSize: 10 })).map((request) => ({ ...request, pageToken: index.search(request).pageToken! })).filter((r) => r.pageToken !== undefined)],
];

const fresh = newPhrasings(searchCount + 500).map((text) => ({ text }));
// Text changes between searches (not timed): one agent's description gets a new word.
let changes = 0;
const change = (count: number) => (): void => {
  for (let k = 0; k < count; k++) {
    const record = records[changes++ % records.length]!;
    index.upsert({ ...record, card: { ...record.card, description: `${record.card.description} revision ${changes}` } });
  }
};
const refreshAfter = Math.ceil(FULL_REFRESH_FRACTION * agentCount) + 1;

console.log(`agents ${index.size}; indexed in ${indexMs.toFixed(0)} ms (${((agentCount / indexMs) * 1000).toFixed(0)} upserts/s); 1,000 replacements in ${replaceMs.toFixed(0)} ms`);
console.log('scenario                   p50 ms   p99 ms   max ms   searches/s   mean matched');
const row = (label: string, m: ReturnType<typeof measure>): void =>
  console.log(`${label.padEnd(25)} ${m.p50.toFixed(3).padStart(7)} ${m.p99.toFixed(3).padStart(8)} ${m.max.toFixed(2).padStart(8)} ${m.perSecond.toFixed(0).padStart(12)} ${m.meanResults.toFixed(0).padStart(14)}`);
for (const [label, requests] of scenarios) row(`repeated: ${label}`, measure(index, requests, searchCount));
row('new phrasing', measure(index, fresh, searchCount));
row('after 1 text change', measure(index, texts.map((text) => ({ text })), coldCount, change(1)));
row('cold (caches emptied)', measure(index, texts.map((text) => ({ text })), coldCount, change(refreshAfter)));
