/**
 * `npm run bench`: agentmesh against its anchors, in one run on this machine.
 *
 * (a) bare node:http answering a fixed body, (b) the official @a2a-js/sdk
 * server, (c) the agentmesh runtime on its durable SQLite store; same load
 * for all (autocannon). Prints a table per scenario, the ratios c/b and c/a,
 * the memory run, and writes everything to bench/results/latest.json; then
 * takes the run's figures into the current table of docs/benchmarks.md
 * (bench/figures/update-figures.ts).
 * Exits 1 when a row has no clean result (a benchmark with errors is not a
 * result); acceptance verdicts are printed, not enforced.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseBenchOptions } from './bench-options.js';
import type { BenchOptions } from './bench-options.js';
import { runMemory } from './memory-run.js';
import { formatAcceptance, formatMemory, formatScenario, formatSummary } from './report.js';
import type { Log, MemoryReport, ScenarioReport } from './report.js';
import { runScenario } from './scenario-run.js';
import { formatRegistryBench, runRegistryBench, type RegistryBenchReport } from './registry/registry-bench.js';
import { formatGatewayBench, gatewayBenchFailed, runGatewayBench, type GatewayBenchReport } from './gateway/gateway-bench.js';
import { formatAcpBridgeBench, runAcpBridgeBench, type AcpBridgeBenchReport } from './gateway/acp-bridge-bench.js';
import { formatInProcessBench, inProcessBenchFailed, runInProcessBench, type InProcessBenchReport } from './gateway/in-process-bench.js';
import { runOrchestratorBench } from './orchestrator/orchestrator-bench.js';
import { formatOrchestratorBench, orchestratorBenchFailed, type OrchestratorBenchReport } from './orchestrator/orchestrator-report.js';
import { TARGETS } from './target-process.js';
import { formatStoreBench, runStoreBench, type StoreBenchReport } from './store/store-bench.js';
import { formatCliBench, runCliBench, type CliBenchReport } from './cli/cli-start-bench.js';
import { formatScaleBench, runScaleBench, scaleBenchFailed, type ScaleBenchReport } from './scale/scale-bench.js';
import { BENCHMARKS_PAGE, KEPT_FIGURES_FILE, updateFigures } from './figures/update-figures.js';

/** Compiled to dist/bench/run.js, so the repository root is two levels up. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.json');

const log: Log = (line) => {
  process.stdout.write(`${line}\n`);
};

function machine(): Record<string, unknown> {
  const cores = cpus();
  return {
    hostname: hostname(),
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    // Other work on the machine skews every figure; the 1-minute load average says how much there was.
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

function hasFailures({ scenarios, memory }: { scenarios: ScenarioReport[]; memory?: MemoryReport }): boolean {
  return scenarios.some((report) => report.rows.some((row) => row.failure !== undefined)) || (memory?.rows.some((row) => row.failure !== undefined) ?? false);
}

async function bench(options: Readonly<BenchOptions>): Promise<number> {
  const startedAt = new Date();
  const info = machine();
  log(`agentmesh bench, ${startedAt.toISOString()}, ${String(info.cpus)} cores (${String(info.cpuModel)}), Node ${process.version}, load average ${Number(info.loadAverage1m).toFixed(2)}`);
  log(`load: autocannon (gRPC: grpc-js, one channel per connection), ${options.connections} connections, warm-up ${options.warmupS} s, measured ${options.durationS} s; targets ${options.targets.map((id) => `${id}=${TARGETS[id].name}`).join(', ')}${options.parts.includes('scale') ? `; scale part: warm-up ${options.scaleWarmupS} s, measured ${options.scaleDurationS} s per setup` : ''}`);
  const dataRoot = await mkdtemp(join(tmpdir(), 'agentmesh-bench-'));
  const scenarios: ScenarioReport[] = [];
  let memory: MemoryReport | undefined;
  let registry: RegistryBenchReport | undefined;
  let gateway: GatewayBenchReport | undefined;
  let inprocess: InProcessBenchReport | undefined;
  let acp: AcpBridgeBenchReport | undefined;
  let orchestrator: OrchestratorBenchReport | undefined;
  let store: StoreBenchReport | undefined;
  let cli: CliBenchReport | undefined;
  let scale: ScaleBenchReport | undefined;
  try {
    for (const part of options.parts) {
      if (part === 'memory') memory = await runMemory({ options, dataRoot, log });
      else if (part === 'registry') registry = await runRegistryBench({ agents: options.registryAgents, durationS: options.durationS, log, databaseUrl: process.env.BENCH_REGISTRY_DATABASE_URL });
      else if (part === 'gateway') gateway = await runGatewayBench({ durationS: options.durationS, warmupS: options.warmupS, connections: options.connections, rounds: options.rounds, log });
      else if (part === 'inprocess') inprocess = await runInProcessBench({ durationS: options.durationS, warmupS: options.warmupS, connections: options.connections, rounds: options.rounds, log });
      else if (part === 'acp') acp = await runAcpBridgeBench({ rounds: options.rounds, log });
      else if (part === 'orchestrator') orchestrator = await runOrchestratorBench({ instances: options.orchestratorInstances, parts: options.orchestratorRows, log });
      else if (part === 'store') store = await runStoreBench({ tasks: options.storeTasks, dataRoot, log });
      else if (part === 'cli') cli = await runCliBench({ runs: 15, log });
      else if (part === 'scale') {
        scale = await runScaleBench({
          databaseUrl: options.databaseUrl,
          redisUrl: options.redisUrl,
          scenarios: options.scaleCalls,
          setups: options.scaleSetups,
          durationS: options.scaleDurationS,
          warmupS: options.scaleWarmupS,
          connections: options.connections,
          rounds: options.rounds,
          dataRoot,
          log,
        });
      }
      else scenarios.push(await runRounds({ scenario: part === 'grpc' ? 'grpc-send' : part, options, dataRoot, log }));
    }
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }

  log('');
  for (const report of scenarios) log(`${formatScenario(report)}\n`);
  if (memory) log(`${formatMemory(memory)}\n`);
  if (registry) log(`${formatRegistryBench(registry).join('\n')}\n`);
  if (gateway) log(`${formatGatewayBench(gateway).join('\n')}\n`);
  if (inprocess) log(`${formatInProcessBench(inprocess).join('\n')}\n`);
  if (acp) log(`${formatAcpBridgeBench(acp).join('\n')}\n`);
  if (orchestrator) log(`${formatOrchestratorBench(orchestrator).join('\n')}\n`);
  if (store) log(`${formatStoreBench(store).join('\n')}\n`);
  if (cli) log(`${formatCliBench(cli).join('\n')}\n`);
  if (scale) log(`${formatScaleBench(scale).join('\n')}\n`);
  for (const report of scenarios) log(formatSummary(report));
  const sendmessage = scenarios.find((report) => report.scenario === 'sendmessage');
  for (const line of formatAcceptance({ ...(sendmessage ? { sendmessage } : {}), ...(memory ? { memory } : {}) })) log(line);

  const finishedAt = new Date();
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
        machine: info,
        loadAverage1mAtEnd: loadavg()[0] ?? 0,
        settings: options,
        targets: TARGETS,
        scenarios,
        memory: memory ?? null,
        registry: registry ?? null,
        gateway: gateway ?? null,
        inprocess: inprocess ?? null,
        acp: acp ?? null,
        orchestrator: orchestrator ?? null,
        store: store ?? null,
        cli: cli ?? null,
        scale: scale ?? null,
      },
      null,
      2,
    )}\n`,
  );
  log(`\nresults written to ${RESULTS_FILE} (${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
  await keepFigures(Math.max(Number(info.loadAverage1m), loadavg()[0] ?? 0));
  return hasFailures({ scenarios, ...(memory ? { memory } : {}) }) || (registry?.rows.some((r) => r.errors + r.non2xx > 0) ?? false) || (gateway !== undefined && gatewayBenchFailed(gateway)) || (inprocess !== undefined && inProcessBenchFailed(inprocess)) || (orchestrator !== undefined && orchestratorBenchFailed(orchestrator)) || (scale !== undefined && scaleBenchFailed(scale)) ? 1 : 0;
}

/** Above this 1-minute load average on the bench's 2 cores, other work has moved the figures (docs/benchmarks.md, "How to read a figure"). */
const QUIET_LOAD = 3;

/**
 * Takes this run's figures into the current table of docs/benchmarks.md
 * (bench/figures/). A table that cannot be written is said, not fatal:
 * the run's results are in latest.json, and `npm run bench:table -- --from`
 * takes them in later.
 */
async function keepFigures(load: number): Promise<void> {
  try {
    const update = await updateFigures({ root: REPO_ROOT, resultsFile: RESULTS_FILE });
    log(`${BENCHMARKS_PAGE}: current table ${update.pageChanged ? 'rewritten' : 'unchanged'}, ${update.taken} of its ${update.kept} figures from this run (${KEPT_FIGURES_FILE})`);
    if (update.taken > 0 && load > QUIET_LOAD) {
      log(`the host was loaded (load average up to ${load.toFixed(1)}): commit the table only from a quiet run, or \`git checkout ${BENCHMARKS_PAGE} ${KEPT_FIGURES_FILE}\``);
    }
  } catch (err) {
    log(`${BENCHMARKS_PAGE}: current table not rewritten: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Runs a throughput scenario `options.rounds` times and reports the round
 * whose agentmesh/sdk ratio is the median: a real run, not a mix of runs,
 * with every round's ratio listed beside it.
 */
async function runRounds(run: Parameters<typeof runScenario>[0]): Promise<ScenarioReport> {
  const { options, log } = run;
  if (options.rounds === 1) return runScenario(run);
  const rounds: ScenarioReport[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    log(`round ${round} of ${options.rounds}`);
    rounds.push(await runScenario(run));
  }
  const rated = rounds.filter((r) => r.ratios.cOverB !== undefined).sort((x, y) => x.ratios.cOverB! - y.ratios.cOverB!);
  const median = rated[Math.floor((rated.length - 1) / 2)] ?? rounds[rounds.length - 1]!;
  return { ...median, rounds: rounds.map((r) => r.ratios) };
}

async function main(): Promise<void> {
  let options: Readonly<BenchOptions>;
  try {
    options = parseBenchOptions({ argv: process.argv.slice(2), env: process.env });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  process.exitCode = await bench(options);
}

await main();
