/**
 * Command-line flags and environment of `npm run bench`, parsed and checked
 * once at the entry point; everything else receives the frozen result.
 */
import { parseArgs } from 'node:util';
import type { TargetId } from './target-process.js';
import { SCALE_SETUPS, type ScaleSetup } from './scale/scale-report.js';

/** The parts of a run that `--only` can select. */
export type Part = 'sendmessage' | 'streaming' | 'grpc' | 'memory' | 'registry' | 'gateway' | 'inprocess' | 'acp' | 'orchestrator' | 'store' | 'cli' | 'scale';

const PARTS: readonly Part[] = ['sendmessage', 'streaming', 'grpc', 'memory', 'registry', 'gateway', 'inprocess', 'acp', 'orchestrator', 'store', 'cli', 'scale'];
const TARGET_IDS: readonly TargetId[] = ['a', 'b', 'c'];
/** The calls the scale part loads. */
export type ScaleCall = 'sendmessage' | 'streaming';
const SCALE_CALLS: readonly ScaleCall[] = ['sendmessage', 'streaming'];
/** The rows of the orchestrator part (`--orchestrator-rows`). */
export type OrchestratorRows = 'steps' | 'maps' | 'long-maps' | 'gateway';
const ORCHESTRATOR_ROWS: readonly OrchestratorRows[] = ['steps', 'maps', 'long-maps', 'gateway'];
const MAX_ORCHESTRATOR_INSTANCES = 16;
const MAX_ROUNDS = 9;
/** The scale part loads ten setups; its rows are short unless --duration / --warmup say otherwise. */
const SCALE_DURATION_S = 3;
/**
 * Each setup starts fresh processes: with 1 s of warm-up the gateway's measured seconds still paid
 * for its JIT (139–148 µs a call against 107–110 after 4 s, the gateway part's figure); 3 s gets
 * most of the way, as the other parts' default does.
 */
const SCALE_WARMUP_S = 3;
const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/** Settings of one bench run. */
export interface BenchOptions {
  /** Parts to run, in the fixed order sendmessage → streaming → memory. */
  parts: readonly Part[];
  targets: readonly TargetId[];
  /** autocannon connections (default 50, `BENCH_CONNECTIONS`). */
  connections: number;
  /** Discarded warm-up before each measurement, seconds (default 3, `BENCH_WARMUP_S`). */
  warmupS: number;
  /** Measured run, seconds (default 10, `BENCH_DURATION_S`). */
  durationS: number;
  /** SendMessage calls of the memory run (default 200000, `BENCH_MEMORY_TASKS`). */
  memoryTasks: number;
  /** Agents registered before the registry search load (default 10000, `BENCH_REGISTRY_AGENTS`). */
  registryAgents: number;
  /** Agents runtimes the orchestrator part's maps spread over (default 2, `BENCH_ORCHESTRATOR_INSTANCES`). */
  orchestratorInstances: number;
  /** Rows of the orchestrator part (default every one; `--orchestrator-rows`). */
  orchestratorRows: readonly OrchestratorRows[];
  /** Task writes per target and round of the store part (default 100000, `BENCH_STORE_TASKS`). */
  storeTasks: number;
  /** Rounds of each throughput scenario and of the gateway part, every target once per round; medians are reported (default 1, `BENCH_ROUNDS`). */
  rounds: number;
  /** Measured seconds per setup of the scale part: `--duration` when given, else 3. */
  scaleDurationS: number;
  /** Warm-up seconds per setup of the scale part: `--warmup` when given, else 1. */
  scaleWarmupS: number;
  /** Setups of the scale part (default: every one; `--scale-setups`): one row alone, to profile or compare it. */
  scaleSetups: readonly ScaleSetup[];
  /** Calls of the scale part (default both; `--scale-calls`). */
  scaleCalls: readonly ScaleCall[];
  /** PostgreSQL of the scale part, a role that may create databases (`BENCH_DATABASE_URL`, else `DATABASE_URL`, else the local server). */
  databaseUrl: string;
  /** Redis of the scale part (`BENCH_REDIS_URL`, else `REDIS_URL`, else the local server). */
  redisUrl: string;
  help: boolean;
}

/** Usage text printed by `--help`. */
export const USAGE = `Usage: npm run bench -- [options]

  --only <parts>         comma list of sendmessage, streaming, grpc, memory, registry, gateway, inprocess, acp, orchestrator, store, cli, scale (default: all);
                         grpc is SendMessage over gRPC, sdk (b) and agentmesh (c) only; scale is SendMessage and streaming
                         on PostgreSQL + Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; skipped when not reachable)
  --targets <ids>        comma list of a (bare node:http), b (@a2a-js/sdk), c (agentmesh) (default: a,b,c)
  --duration <s>         measured seconds per target (default 10, scale part 3, env BENCH_DURATION_S)
  --warmup <s>           warm-up seconds before each measurement (default 3, scale part 1, env BENCH_WARMUP_S)
  --connections <n>      concurrent connections (default 50, env BENCH_CONNECTIONS)
  --memory-tasks <n>     SendMessage calls in the memory run (default 200000, env BENCH_MEMORY_TASKS)
  --registry-agents <n>  agents registered before the registry search load (default 10000, env BENCH_REGISTRY_AGENTS)
  --orchestrator-instances <n>
                         agents runtimes the orchestrator's maps spread over (default 2, env BENCH_ORCHESTRATOR_INSTANCES)
  --orchestrator-rows <rows>
                         the orchestrator part's rows: comma list of ${ORCHESTRATOR_ROWS.join(', ')} (default: all;
                         long-maps is 10,000 and 100,000 items with the orchestrator's peak RSS)
  --store-tasks <n>      task writes per target and round of the store part (default 100000, env BENCH_STORE_TASKS)
  --rounds <n>           rounds of the sendmessage, streaming, grpc, gateway and scale parts, every target once a round;
                         sendmessage/streaming/grpc report the round with the median agentmesh/sdk ratio, gateway
                         and scale the median of each figure and ratio (default 1, at most 9, env BENCH_ROUNDS)
  --scale-setups <ids>   the scale part's rows: comma list of ${SCALE_SETUPS.join(', ')} (default: all)
  --scale-calls <calls>  the scale part's calls: sendmessage, streaming or both (default: both)
  --memory               run the memory part (default: on)
  --no-memory            skip the memory part
  --help                 this text
`;

function positiveNumber({ name, raw, fallback, integer, allowZero = false }: { name: string; raw: string | undefined; fallback: number; integer: boolean; allowZero?: boolean }): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const valid = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!valid) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

function commaList<T extends string>({ name, raw, allowed }: { name: string; raw: string; allowed: readonly T[] }): T[] {
  const items = raw.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`${name} accepts ${allowed.join(', ')}; got "${item}"`);
  }
  if (items.length === 0) throw new Error(`${name} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Parses flags (strict: an unknown flag is an error) over environment
 * defaults. Flags win over the environment.
 *
 * @example
 * ```ts
 * const options = parseBenchOptions({ argv: process.argv.slice(2), env: process.env });
 * ```
 */
export function parseBenchOptions({ argv, env }: { argv: readonly string[]; env: Readonly<Record<string, string | undefined>> }): Readonly<BenchOptions> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: 'string' },
      targets: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'memory-tasks': { type: 'string' },
      'registry-agents': { type: 'string' },
      'orchestrator-instances': { type: 'string' },
      'orchestrator-rows': { type: 'string' },
      'store-tasks': { type: 'string' },
      rounds: { type: 'string' },
      'scale-setups': { type: 'string' },
      'scale-calls': { type: 'string' },
      memory: { type: 'boolean' },
      'no-memory': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.memory === true && values['no-memory'] === true) throw new Error('--memory and --no-memory contradict each other');
  let parts: Part[] = values.only === undefined ? [...PARTS] : commaList({ name: '--only', raw: values.only, allowed: PARTS });
  if (values['no-memory'] === true) parts = parts.filter((part) => part !== 'memory');
  if (values.memory === true && !parts.includes('memory')) parts.push('memory');
  const targets = values.targets === undefined ? [...TARGET_IDS] : commaList({ name: '--targets', raw: values.targets, allowed: TARGET_IDS });
  const orchestratorInstances = positiveNumber({ name: '--orchestrator-instances', raw: values['orchestrator-instances'] ?? env.BENCH_ORCHESTRATOR_INSTANCES, fallback: 2, integer: true });
  // Each instance is a process with its own runtime; past a handful they only contend for the cores.
  if (orchestratorInstances > MAX_ORCHESTRATOR_INSTANCES) throw new Error(`--orchestrator-instances must be at most ${MAX_ORCHESTRATOR_INSTANCES}, got ${orchestratorInstances}`);
  const rounds = positiveNumber({ name: '--rounds', raw: values.rounds ?? env.BENCH_ROUNDS, fallback: 1, integer: true });
  if (rounds > MAX_ROUNDS) throw new Error(`--rounds must be at most ${MAX_ROUNDS}, got ${rounds}`);
  const durationRaw = values.duration ?? env.BENCH_DURATION_S;
  const warmupRaw = values.warmup ?? env.BENCH_WARMUP_S;
  return Object.freeze({
    parts: Object.freeze(PARTS.filter((part) => parts.includes(part))),
    targets: Object.freeze(TARGET_IDS.filter((id) => targets.includes(id))),
    connections: positiveNumber({ name: '--connections', raw: values.connections ?? env.BENCH_CONNECTIONS, fallback: 50, integer: true }),
    warmupS: positiveNumber({ name: '--warmup', raw: warmupRaw, fallback: 3, integer: false, allowZero: true }),
    durationS: positiveNumber({ name: '--duration', raw: durationRaw, fallback: 10, integer: false }),
    memoryTasks: positiveNumber({ name: '--memory-tasks', raw: values['memory-tasks'] ?? env.BENCH_MEMORY_TASKS, fallback: 200_000, integer: true }),
    registryAgents: positiveNumber({ name: '--registry-agents', raw: values['registry-agents'] ?? env.BENCH_REGISTRY_AGENTS, fallback: 10_000, integer: true }),
    orchestratorInstances,
    orchestratorRows: Object.freeze(values['orchestrator-rows'] === undefined ? [...ORCHESTRATOR_ROWS] : commaList({ name: '--orchestrator-rows', raw: values['orchestrator-rows'], allowed: ORCHESTRATOR_ROWS })),
    storeTasks: positiveNumber({ name: '--store-tasks', raw: values['store-tasks'] ?? env.BENCH_STORE_TASKS, fallback: 100_000, integer: true }),
    rounds,
    scaleSetups: Object.freeze(values['scale-setups'] === undefined ? [...SCALE_SETUPS] : SCALE_SETUPS.filter((setup) => commaList({ name: '--scale-setups', raw: values['scale-setups']!, allowed: SCALE_SETUPS }).includes(setup))),
    scaleCalls: Object.freeze(values['scale-calls'] === undefined ? [...SCALE_CALLS] : SCALE_CALLS.filter((call) => commaList({ name: '--scale-calls', raw: values['scale-calls']!, allowed: SCALE_CALLS }).includes(call))),
    scaleDurationS: positiveNumber({ name: '--duration', raw: durationRaw, fallback: SCALE_DURATION_S, integer: false }),
    scaleWarmupS: positiveNumber({ name: '--warmup', raw: warmupRaw, fallback: SCALE_WARMUP_S, integer: false, allowZero: true }),
    databaseUrl: nonEmpty(env.BENCH_DATABASE_URL) ?? nonEmpty(env.DATABASE_URL) ?? LOCAL_DATABASE_URL,
    redisUrl: nonEmpty(env.BENCH_REDIS_URL) ?? nonEmpty(env.REDIS_URL) ?? LOCAL_REDIS_URL,
    help: values.help === true,
  });
}
