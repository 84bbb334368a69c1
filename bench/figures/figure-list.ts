/**
 * The figures of docs/benchmarks.md's current table: for each, what
 * agentmesh's side is, its anchor (what the same work costs done by
 * something well known, in the same run), the unit, how the two compare and
 * the goal it is held to, where there is one. Only the numbers come from a
 * run (figures-of-run.ts); the words are here, so a label can change
 * without measuring again.
 */
import type { Part } from '../bench-options.js';
import { ACCEPTANCE } from '../report.js';
import { GATEWAY_GOALS } from '../gateway/gateway-report.js';

/** How a figure is printed. */
export type Unit = 'µs' | 'ms' | 'per s' | 'MB';

/** A goal on the ratio to the anchor or on agentmesh's own figure, and the text that states it. */
export interface Goal {
  text: string;
  on: 'ratio' | 'value';
  met: (x: number) => boolean;
}

export interface FigureDefinition {
  id: string;
  part: Part;
  label: string;
  anchor: string;
  unit: Unit;
  goal?: Goal;
}

export interface PartInfo {
  part: Part;
  title: string;
  /** The command that measures the part's figures as the table shows them. */
  command: string;
  /** Where the journal last recorded the part's figures by hand: shown while the table has none from a run. */
  lastRecorded?: { title: string; href: string };
}

const SDK = '`@a2a-js/sdk` server, tasks in memory';
const atMost = (limit: number, text: string, on: Goal['on'] = 'ratio'): Goal => ({ text, on, met: (x) => x <= limit });
const atLeast = (limit: number, text: string, on: Goal['on'] = 'ratio'): Goal => ({ text, on, met: (x) => x >= limit });
const journal = (file: string, title: string, anchor: string) => ({ title, href: `perf-journal/${file}#${anchor}` });

export const PARTS: readonly PartInfo[] = [
  {
    part: 'sendmessage',
    title: 'SendMessage, embedded runtime',
    command: 'npm run bench -- --only sendmessage,streaming,grpc,memory --rounds 3',
    lastRecorded: journal('gateway-and-fleet-2026-11-26.md', "The quiet-host run after the day's merges (2026-11-26)", 'the-quiet-host-run-after-the-days-merges-2026-11-26-noon'),
  },
  { part: 'streaming', title: 'SendStreamingMessage, embedded runtime', command: 'npm run bench -- --only sendmessage,streaming,grpc,memory --rounds 3' },
  { part: 'grpc', title: 'SendMessage over gRPC', command: 'npm run bench -- --only sendmessage,streaming,grpc,memory --rounds 3' },
  {
    part: 'memory',
    title: 'Memory',
    command: 'npm run bench -- --only sendmessage,streaming,grpc,memory --rounds 3',
    lastRecorded: journal('runtime-and-cli.md', 'The runtime against the SDK, and its memory (2026-11-22)', 'the-runtime-against-the-sdk-and-its-memory-2026-11-22'),
  },
  {
    part: 'registry',
    title: 'Registry',
    command: 'npm run bench -- --only registry',
    lastRecorded: journal('registry.md', 'Registry writers and a new gateway (2026-11-26)', 'registry-writers-and-a-new-gateway---only-registry-2-cores-2026-11-26-loaded-host'),
  },
  {
    part: 'gateway',
    title: 'Gateway',
    command: 'npm run bench -- --only gateway --rounds 3',
    lastRecorded: journal('gateway-and-fleet-2026-11-28.md', "The gateway on a quiet Intel host after the day's cuts (2026-11-28)", 'the-gateway-on-a-quiet-intel-host-after-the-days-cuts-2026-11-28-morning'),
  },
  {
    part: 'inprocess',
    title: 'Gateway and runtime in one process',
    command: 'npm run bench -- --only inprocess --rounds 3',
    lastRecorded: journal('gateway-and-fleet-2026-11-22-to-25.md', 'In-process dispatch (2026-11-24)', 'in-process-dispatch-and-why-more-workers-cannot-reach-05-here-2026-11-24-afternoon'),
  },
  { part: 'acp', title: 'ACP bridge', command: 'npm run bench -- --only acp --rounds 3' },
  {
    part: 'orchestrator',
    title: 'Orchestrator',
    command: 'npm run bench -- --only orchestrator',
    lastRecorded: journal('orchestrator.md', 'Orchestrator (2026-11-22)', 'orchestrator-npm-run-bench------only-orchestrator-2-cores-2026-11-22'),
  },
  {
    part: 'store',
    title: 'Durable store',
    command: 'npm run bench -- --only store',
    lastRecorded: journal('runtime-and-cli.md', 'The budget for 3x (2026-11-22)', 'the-budget-for-3x-measured-2026-11-22-later'),
  },
  {
    part: 'cli',
    title: 'CLI start',
    command: 'npm run bench -- --only cli',
    lastRecorded: journal('runtime-and-cli.md', 'CLI start (2026-11-23 to 2026-11-24)', 'cli-start-adr-0013-adr-0016-2026-11-23-to-2026-11-24'),
  },
  {
    part: 'scale',
    title: 'PostgreSQL + Redis, and the fleet',
    command: 'npm run bench -- --only scale --rounds 3',
    lastRecorded: journal('gateway-and-fleet-2026-11-28.md', 'The fleet and its anchor from a quiet start (2026-11-28)', 'the-fleet-and-its-anchor-from-a-quiet-start-2026-11-28-morning'),
  },
];

export const FIGURES: readonly FigureDefinition[] = [
  { id: 'sendmessage.cpu', part: 'sendmessage', label: 'SendMessage: CPU per call, runtime on SQLite', anchor: SDK, unit: 'µs' },
  { id: 'sendmessage.rate', part: 'sendmessage', label: 'SendMessage: calls a second', anchor: SDK, unit: 'per s', goal: atLeast(ACCEPTANCE.minCOverB, `≥ ${ACCEPTANCE.minCOverB}×`) },
  { id: 'sendmessage.p99', part: 'sendmessage', label: 'SendMessage: p99 latency under load', anchor: SDK, unit: 'ms', goal: { text: '< 1×', on: 'ratio', met: (x) => x < 1 } },
  { id: 'sendmessage.bare', part: 'sendmessage', label: 'SendMessage: calls a second, against the raw HTTP ceiling', anchor: 'bare `node:http` answering fixed bytes', unit: 'per s' },
  { id: 'streaming.cpu', part: 'streaming', label: 'SendStreamingMessage (4 events): CPU per call', anchor: SDK, unit: 'µs' },
  { id: 'streaming.rate', part: 'streaming', label: 'SendStreamingMessage: calls a second', anchor: SDK, unit: 'per s' },
  { id: 'grpc.cpu', part: 'grpc', label: 'SendMessage over gRPC: CPU per call', anchor: "the SDK's gRPC server, tasks in memory", unit: 'µs' },
  { id: 'grpc.rate', part: 'grpc', label: 'SendMessage over gRPC: calls a second', anchor: "the SDK's gRPC server, tasks in memory", unit: 'per s' },
  {
    id: 'memory.rss',
    part: 'memory',
    label: 'Memory: highest resident set over the memory run',
    anchor: SDK,
    unit: 'MB',
    goal: atMost(ACCEPTANCE.maxRssBytes / 1_000_000, `≤ ${ACCEPTANCE.maxRssBytes / 1_000_000} MB`, 'value'),
  },
  { id: 'registry.search', part: 'registry', label: 'Registry search, 10 connections (Zipf-distributed queries): calls a second', anchor: 'bare `node:http` answering one search result', unit: 'per s' },
  { id: 'registry.search-p50', part: 'registry', label: 'Registry search, one at a time: p50', anchor: 'bare `node:http` answering one search result', unit: 'ms' },
  { id: 'registry.register', part: 'registry', label: 'Registry: registrations a second (16 writers)', anchor: 'bare `node:http` writing each as one SQLite row', unit: 'per s' },
  { id: 'gateway.cpu.haproxy', part: 'gateway', label: 'Gateway, every policy on: CPU per call in front of the runtime', anchor: 'HAProxy verifying the JWT, rate limit', unit: 'µs', goal: atMost(1.2, '≤ 1.2×') },
  { id: 'gateway.cpu.bare', part: 'gateway', label: 'Gateway: CPU per call', anchor: 'bare relay (`node:http` + undici, nothing checked)', unit: 'µs', goal: atMost(GATEWAY_GOALS.maxCpuOverBare, `≤ ${GATEWAY_GOALS.maxCpuOverBare}×`) },
  { id: 'gateway.cpu.nginx', part: 'gateway', label: 'Gateway: CPU per call', anchor: 'nginx as a plain relay', unit: 'µs' },
  { id: 'gateway.rate', part: 'gateway', label: 'Gateway: calls a second', anchor: 'the runtime called directly', unit: 'per s', goal: atLeast(GATEWAY_GOALS.minThroughputOverDirect, `≥ ${GATEWAY_GOALS.minThroughputOverDirect}×`) },
  { id: 'gateway.added-p50', part: 'gateway', label: 'Gateway: p50 added to a lone call', anchor: 'HAProxy verifying the JWT, its p50 added', unit: 'ms', goal: atMost(GATEWAY_GOALS.maxAddedP50Ms, `≤ ${GATEWAY_GOALS.maxAddedP50Ms} ms`, 'value') },
  { id: 'inprocess.cpu', part: 'inprocess', label: 'Gateway and runtime in one process, in memory: CPU per call', anchor: 'the same over loopback TCP', unit: 'µs' },
  { id: 'acp.rate', part: 'acp', label: 'A bridged ACP agent through the gateway: calls a second', anchor: 'a native agent through the gateway', unit: 'per s' },
  { id: 'orchestrator.step', part: 'orchestrator', label: 'Orchestrator: a workflow step (a no-op call)', anchor: 'the same call made directly, one at a time', unit: 'ms' },
  { id: 'orchestrator.step.gateway', part: 'orchestrator', label: 'Orchestrator: a workflow step through the gateway', anchor: 'the same call through the gateway, made directly', unit: 'ms' },
  ...[250, 1_000, 4_000, 10_000].map((steps): FigureDefinition => ({ id: `orchestrator.steps.${steps}`, part: 'orchestrator', label: `Orchestrator: a step of a ${steps.toLocaleString('en')}-step run`, anchor: 'as many direct calls, one at a time', unit: 'ms' })),
  { id: 'orchestrator.step-cpu.long', part: 'orchestrator', label: "Orchestrator: CPU per step of a 10,000-step run", anchor: 'the same in 250-step runs', unit: 'ms', goal: atMost(1.1, '≤ 1.1×') },
  { id: 'orchestrator.map.100k', part: 'orchestrator', label: 'Orchestrator: a 100,000-item map (batches of 100, SQLite), items a second', anchor: 'a plain loop sending the same batches', unit: 'per s', goal: atLeast(0.8, '≥ 0.8×') },
  { id: 'orchestrator.map.100k.fleet', part: 'orchestrator', label: 'Orchestrator: a 100,000-item map on PostgreSQL + Redis, items a second', anchor: 'a plain loop sending the same batches', unit: 'per s', goal: atLeast(0.8, '≥ 0.8×') },
  { id: 'orchestrator.map.rss', part: 'orchestrator', label: "Orchestrator: peak resident set over a 100,000-item map (SQLite)", anchor: 'the same over a 10,000-item map', unit: 'MB' },
  { id: 'orchestrator.map.heap', part: 'orchestrator', label: 'Orchestrator: live heap (after a full collection) over a 100,000-item map (SQLite)', anchor: 'the same over a 10,000-item map', unit: 'MB' },
  { id: 'orchestrator.map', part: 'orchestrator', label: 'Orchestrator: a map, items a second (batches of 500)', anchor: 'a plain loop sending the same batches', unit: 'per s' },
  { id: 'store.cpu', part: 'store', label: 'Store: CPU per durable task write (SQLite)', anchor: 'the same bytes into two tables, no index', unit: 'µs' },
  { id: 'cli.help', part: 'cli', label: 'CLI: `agentmesh --help`, CPU from exec to exit', anchor: '`node -e 0`', unit: 'ms', goal: atMost(150, '≤ 150 ms', 'value') },
  { id: 'cli.send', part: 'cli', label: 'CLI: `agentmesh send <url> hi`, CPU from exec to exit', anchor: '`node -e 0`', unit: 'ms', goal: atMost(150, '≤ 150 ms', 'value') },
  { id: 'scale.pg.pgbench', part: 'scale', label: 'Runtime ×1 on PostgreSQL + Redis: SendMessage calls a second', anchor: "`pgbench` committing a call's rows, transactions a second", unit: 'per s', goal: atLeast(0.3, '≥ 0.3×') },
  { id: 'scale.pg.cpu', part: 'scale', label: 'Runtime ×1 on PostgreSQL + Redis: CPU per call', anchor: 'runtime ×1 on SQLite', unit: 'µs', goal: atMost(2.5, '≤ 2.5×') },
  { id: 'scale.fleet.direct', part: 'scale', label: 'Fleet, gateway ×2 → runtime ×2: SendMessage calls a second', anchor: 'runtime ×2 called directly', unit: 'per s' },
  { id: 'scale.fleet.haproxy', part: 'scale', label: 'Fleet, gateway ×2 → runtime ×2: SendMessage calls a second', anchor: 'HAProxy JWT ×2 → the same runtimes', unit: 'per s' },
  { id: 'scale.fleet.front-cpu', part: 'scale', label: 'Fleet: gateway CPU per call', anchor: 'HAProxy JWT ×2, its CPU per call', unit: 'µs' },
  { id: 'scale.fleet.sqlite-cpu', part: 'scale', label: 'Fleet: gateway CPU per call', anchor: 'the gateway on SQLite (gateway ×1 → runtime ×1)', unit: 'µs', goal: atMost(3, '≤ 3×') },
  { id: 'scale.fleet.stream-rate', part: 'scale', label: 'Fleet, streamed: calls a second', anchor: 'HAProxy JWT ×2 → the same runtimes', unit: 'per s' },
];
