/**
 * The current table's numbers, read out of a run's results file
 * (`bench/results/latest.json`, as run.ts writes it): for each figure of
 * figure-list.ts, agentmesh's side and its anchor's from the same run, or
 * why one is missing. Only clean results count: a row with errors is not a
 * result (docs/benchmark-method.md, "Reading the output"). The file is read
 * through schemas of the fields used, so a results file of another shape
 * says which part it could not read instead of printing nonsense.
 */
import { z } from 'zod';

/** One side of a figure: a number, or why there is none. */
export type Side = { value: number } | { missing: string };

/** One figure of one run. `ratio` is set where the part computes it itself (the median of each round's ratio). */
export interface Measured {
  value: Side;
  anchor: Side;
  ratio?: number;
}

/** What the table says of the run a figure comes from. */
export interface RunInfo {
  startedAt: string;
  command: string;
  cpuModel: string;
  cpus: number;
  node: string;
  platform: string;
  loadAtStart: number;
  loadAtEnd: number;
}

export interface RunFigures {
  run: RunInfo;
  figures: Record<string, Measured>;
}

const num = z.number();
const load = z.object({ requestsPerSec: num, p99Ms: num, totalRequests: num, errors: num, non2xx: num, mismatches: num, cpuMicrosPerRequest: num.optional() });
const scenario = z.object({
  scenario: z.string(),
  rows: z.array(z.object({ target: z.string(), failure: z.string().optional(), load: load.optional() })),
  ratios: z.object({ cOverB: num.optional(), cOverA: num.optional(), p99COverB: num.optional() }),
});
const memory = z.object({ rows: z.array(z.object({ target: z.string(), failure: z.string().optional(), load: load.optional(), after: z.object({ rssBytes: num, peakRssBytes: num }).optional() })) });
const registry = z.object({
  registration: z.object({ perSec: num }),
  barePut: z.object({ perSec: num }),
  rows: z.array(z.object({ target: z.string(), p50Ms: num, requestsPerSec: num, errors: num, non2xx: num })),
});
const absence = z.array(z.object({ target: z.string(), reason: z.string() }));
const gateway = z.object({
  rows: z.array(z.object({ target: z.string(), requestsPerSec: num, sequentialP50Ms: num, errors: num, non2xx: num, frontCpuMicros: num.optional() })),
  ratios: z.object({ cpuOverBare: num.optional(), cpuOverNginx: num.optional(), cpuOverHaproxy: num.optional(), throughputOverDirect: num.optional(), addedP50Ms: num.optional() }),
  skipped: absence,
  failed: absence,
});
const inprocess = z.object({ rows: z.array(z.object({ mode: z.string(), cpuMicrosPerCall: num, failures: num })), cpuRatio: num });
const acp = z.object({ native: z.object({ perSecond: num }), bridged: z.object({ perSecond: num }) });
const orchestrator = z.object({
  steps: z.array(
    z.object({
      path: z.string(),
      steps: num,
      anchorMs: num.optional(),
      workflowMs: num.optional(),
      lengths: z.array(z.object({ steps: num, workflows: num.optional(), anchorMs: num, workflowMs: num, orchestratorCpuMs: num })).optional(),
      failure: z.string().optional(),
    }),
  ),
  maps: z.array(
    z.object({ mode: z.string(), items: num, batchSize: num.optional(), fleet: z.boolean().optional(), rounds: num, anchorMs: num.optional(), workflowMs: num.optional(), orchestratorPeakRssMb: num.optional(), orchestratorLiveHeapMb: num.optional(), failure: z.string().optional() }),
  ),
});
const store = z.object({ rows: z.array(z.object({ target: z.string(), cpuUsPerTask: num })) });
const cli = z.object({ anchorCpuMs: num, rows: z.array(z.object({ command: z.string(), medianCpuMs: num })) });
const scale = z.object({
  skipped: z.string().optional(),
  pgbench: z.union([z.object({ tps: num }), z.object({ failure: z.string() })]).optional(),
  rows: z.array(z.object({ scenario: z.string(), setup: z.string(), figures: z.record(z.string(), num), failure: z.string().optional() })),
});
const results = z.object({
  startedAt: z.string(),
  command: z.string(),
  machine: z.object({ cpus: num, cpuModel: z.string(), node: z.string(), platform: z.string(), loadAverage1m: num }),
  loadAverage1mAtEnd: num,
  scenarios: z.array(scenario),
  memory: memory.nullable(),
  registry: registry.nullable(),
  gateway: gateway.nullable(),
  inprocess: inprocess.nullable(),
  acp: acp.nullable(),
  orchestrator: orchestrator.nullable(),
  store: store.nullable(),
  cli: cli.nullable(),
  scale: scale.nullable(),
});

type Figures = Record<string, Measured>;

const has = (value: number | undefined, missing: string): Side => (value === undefined || !Number.isFinite(value) ? { missing } : { value });
/** The first clause of a reason: "haproxy not found (PATH, /usr/sbin)" of the line that goes on to say how to install it. */
const short = (reason: string): string => reason.split(/: |\n/)[0]!.slice(0, 120);
const failed = (reason: string): Side => ({ missing: `failed: ${short(reason)}` });
const ERRORS: Side = { missing: 'had errors: not a result' };

function scenarioFigures(report: z.infer<typeof scenario>, figures: Figures): void {
  const prefix = report.scenario === 'grpc-send' ? 'grpc' : report.scenario;
  const target = (id: string) => (pick: (l: z.infer<typeof load>) => number | undefined): Side => {
    const row = report.rows.find((r) => r.target === id);
    if (row === undefined) return { missing: 'not in this run (`--targets`)' };
    if (row.failure !== undefined) return failed(row.failure);
    if (row.load === undefined || row.load.errors + row.load.non2xx + row.load.mismatches > 0 || row.load.totalRequests === 0) return ERRORS;
    return has(pick(row.load), 'not sampled');
  };
  const bare = target('a');
  const sdk = target('b');
  const agentmesh = target('c');
  figures[`${prefix}.cpu`] = { value: agentmesh((l) => l.cpuMicrosPerRequest), anchor: sdk((l) => l.cpuMicrosPerRequest) };
  figures[`${prefix}.rate`] = { value: agentmesh((l) => l.requestsPerSec), anchor: sdk((l) => l.requestsPerSec), ...(report.ratios.cOverB !== undefined && { ratio: report.ratios.cOverB }) };
  if (prefix !== 'sendmessage') return;
  figures['sendmessage.p99'] = { value: agentmesh((l) => l.p99Ms), anchor: sdk((l) => l.p99Ms) };
  figures['sendmessage.bare'] = { value: agentmesh((l) => l.requestsPerSec), anchor: bare((l) => l.requestsPerSec) };
}

function memoryFigures(report: z.infer<typeof memory>, figures: Figures): void {
  const peak = (id: string): Side => {
    const row = report.rows.find((r) => r.target === id);
    if (row === undefined) return { missing: 'not in this run (`--targets`)' };
    if (row.failure !== undefined) return failed(row.failure);
    if (row.load === undefined || row.after === undefined || row.load.errors + row.load.non2xx + row.load.mismatches > 0) return ERRORS;
    // The goal is on what the process held at any time: the higher of the RSS after the run and its peak.
    return { value: Math.max(row.after.rssBytes, row.after.peakRssBytes) / 1_000_000 };
  };
  figures['memory.rss'] = { value: peak('c'), anchor: peak('b') };
}

function registryFigures(report: z.infer<typeof registry>, figures: Figures): void {
  const row = (id: string) => (pick: (r: z.infer<typeof registry>['rows'][number]) => number): Side => {
    const found = report.rows.find((r) => r.target === id);
    if (found === undefined) return { missing: 'not in this run' };
    return found.errors + found.non2xx > 0 ? ERRORS : { value: pick(found) };
  };
  figures['registry.search'] = { value: row('registry')((r) => r.requestsPerSec), anchor: row('bare')((r) => r.requestsPerSec) };
  figures['registry.search-p50'] = { value: row('registry')((r) => r.p50Ms), anchor: row('bare')((r) => r.p50Ms) };
  figures['registry.register'] = { value: { value: report.registration.perSec }, anchor: { value: report.barePut.perSec } };
}

function gatewayFigures(report: z.infer<typeof gateway>, figures: Figures): void {
  const row = (target: string) => (pick: (r: z.infer<typeof gateway>['rows'][number]) => number | undefined): Side => {
    const failure = report.failed.find((a) => a.target === target);
    if (failure !== undefined) return failed(failure.reason);
    const skipped = report.skipped.find((a) => a.target === target);
    if (skipped !== undefined) return { missing: short(skipped.reason) };
    const found = report.rows.find((r) => r.target === target);
    if (found === undefined) return { missing: 'not in this run (`BENCH_GATEWAY_FRONTS`)' };
    return found.errors + found.non2xx > 0 ? ERRORS : has(pick(found), 'not sampled');
  };
  const cpu = (target: string) => row(target)((r) => r.frontCpuMicros);
  const rounds = (ratio: number | undefined) => (ratio === undefined ? {} : { ratio });
  figures['gateway.cpu.haproxy'] = { value: cpu('gateway'), anchor: cpu('haproxy-jwt'), ...rounds(report.ratios.cpuOverHaproxy) };
  figures['gateway.cpu.bare'] = { value: cpu('gateway'), anchor: cpu('bare-relay'), ...rounds(report.ratios.cpuOverBare) };
  figures['gateway.cpu.nginx'] = { value: cpu('gateway'), anchor: cpu('nginx'), ...rounds(report.ratios.cpuOverNginx) };
  figures['gateway.rate'] = { value: row('gateway')((r) => r.requestsPerSec), anchor: row('direct')((r) => r.requestsPerSec), ...rounds(report.ratios.throughputOverDirect) };
  const direct = row('direct')((r) => r.sequentialP50Ms);
  const added = (target: string): Side => {
    const side = row(target)((r) => r.sequentialP50Ms);
    return 'value' in side && 'value' in direct ? { value: side.value - direct.value } : 'missing' in side ? side : direct;
  };
  const gatewayAdded = added('gateway');
  // The gateway part's own figure is the median of each round's difference; the table prints that one.
  figures['gateway.added-p50'] = { value: 'value' in gatewayAdded && report.ratios.addedP50Ms !== undefined ? { value: report.ratios.addedP50Ms } : gatewayAdded, anchor: added('haproxy-jwt') };
}

function orchestratorFigures(report: z.infer<typeof orchestrator>, figures: Figures): void {
  for (const path of ['direct', 'gateway']) {
    const step = report.steps.find((s) => s.path === path);
    const id = path === 'direct' ? 'orchestrator.step' : 'orchestrator.step.gateway';
    if (step === undefined) figures[id] = { value: { missing: 'not in this run' }, anchor: { missing: 'not in this run' } };
    else if (step.failure !== undefined) figures[id] = { value: failed(step.failure), anchor: failed(step.failure) };
    else figures[id] = { value: has(step.workflowMs === undefined ? undefined : step.workflowMs / step.steps, 'not measured'), anchor: has(step.anchorMs === undefined ? undefined : step.anchorMs / step.steps, 'not measured') };
  }
  lengthFigures(report.steps.find((s) => s.path === 'direct'), figures);
  type Map = z.infer<typeof orchestrator>['maps'][number];
  const mapFigure = (id: string, map: Map | undefined, side: (map: Map, ms: number | undefined) => number | undefined, anchorOf: (map: Map) => number | undefined = (m) => side(m, m.anchorMs)): void => {
    if (map === undefined) figures[id] = { value: { missing: 'not in this run' }, anchor: { missing: 'not in this run' } };
    else if (map.failure !== undefined) figures[id] = { value: failed(map.failure), anchor: failed(map.failure) };
    else figures[id] = { value: has(side(map, map.workflowMs), 'not measured'), anchor: has(anchorOf(map), 'not measured') };
  };
  const rate = (map: Map, ms: number | undefined): number | undefined => (ms === undefined ? undefined : (map.items * map.rounds) / (ms / 1000));
  // Seed 004's shape (batches of 500, each runtime on its own SQLite), not the long or fleet maps' rows.
  mapFigure('orchestrator.map', report.maps.find((m) => m.mode === 'batch' && m.batchSize === 500 && m.fleet !== true), rate);
  const long = (items: number, fleet: boolean) => report.maps.find((m) => m.items === items && m.batchSize === 100 && (m.fleet === true) === fleet);
  mapFigure('orchestrator.map.100k', long(100_000, false), rate);
  mapFigure('orchestrator.map.100k.fleet', long(100_000, true), rate);
  const shorter = long(10_000, false);
  // The bench reads resident sets in MiB; the table's unit is MB.
  const megabytes = (mib: number | undefined): number | undefined => (mib === undefined ? undefined : (mib * 1024 * 1024) / 1e6);
  mapFigure('orchestrator.map.rss', long(100_000, false), (m) => megabytes(m.orchestratorPeakRssMb), () => megabytes(shorter?.orchestratorPeakRssMb));
  mapFigure('orchestrator.map.heap', long(100_000, false), (m) => megabytes(m.orchestratorLiveHeapMb), () => megabytes(shorter?.orchestratorLiveHeapMb));
}

/** Each run length beside its direct calls, and CPU per step of the longest against the shortest. */
function lengthFigures(step: z.infer<typeof orchestrator>['steps'][number] | undefined, figures: Figures): void {
  const lengths = step?.lengths ?? [];
  const missing: Side = { missing: step?.failure !== undefined ? `failed: ${short(step.failure)}` : 'not in this run' };
  const stepsOf = (l: (typeof lengths)[number]): number => l.steps * (l.workflows ?? 1);
  for (const steps of [250, 1_000, 4_000, 10_000]) {
    const l = lengths.find((x) => x.steps === steps);
    figures[`orchestrator.steps.${steps}`] = l === undefined ? { value: missing, anchor: missing } : { value: { value: l.workflowMs / stepsOf(l) }, anchor: { value: l.anchorMs / stepsOf(l) } };
  }
  const first = lengths.find((x) => x.steps === 250);
  const last = lengths.find((x) => x.steps === 10_000);
  const cpu = (l: (typeof lengths)[number] | undefined): Side => (l === undefined ? missing : { value: l.orchestratorCpuMs / stepsOf(l) });
  figures['orchestrator.step-cpu.long'] = { value: cpu(last), anchor: cpu(first) };
}

function scaleFigures(report: z.infer<typeof scale>, figures: Figures): void {
  const ids = ['scale.pg.pgbench', 'scale.pg.cpu', 'scale.fleet.direct', 'scale.fleet.haproxy', 'scale.fleet.front-cpu', 'scale.fleet.sqlite-cpu', 'scale.fleet.stream-rate'];
  if (report.skipped !== undefined) {
    for (const id of ids) figures[id] = { value: { missing: `skipped: ${short(report.skipped)}` }, anchor: { missing: `skipped: ${short(report.skipped)}` } };
    return;
  }
  const of = (setup: string, key: string, call = 'sendmessage'): Side => {
    const row = report.rows.find((r) => r.scenario === call && r.setup === setup);
    if (row === undefined) return { missing: setup.startsWith('haproxy') ? 'not in this run (no haproxy, or `--scale-setups`)' : 'not in this run (`--scale-setups`, `--scale-calls`)' };
    if (row.failure !== undefined) return failed(row.failure);
    return has(row.figures[key], 'not sampled');
  };
  const pgbench: Side = report.pgbench === undefined ? { missing: 'not measured' } : 'tps' in report.pgbench ? { value: report.pgbench.tps } : failed(report.pgbench.failure);
  figures['scale.pg.pgbench'] = { value: of('pg-1', 'req/s'), anchor: pgbench };
  figures['scale.pg.cpu'] = { value: of('pg-1', 'cpu.runtime'), anchor: of('sqlite', 'cpu.runtime') };
  figures['scale.fleet.direct'] = { value: of('gateway-2', 'req/s'), anchor: of('pg-2', 'req/s') };
  figures['scale.fleet.haproxy'] = { value: of('gateway-2', 'req/s'), anchor: of('haproxy-jwt-2', 'req/s') };
  figures['scale.fleet.front-cpu'] = { value: of('gateway-2', 'cpu.gateway'), anchor: of('haproxy-jwt-2', 'cpu.haproxy') };
  figures['scale.fleet.sqlite-cpu'] = { value: of('gateway-2', 'cpu.gateway'), anchor: of('gateway-sqlite', 'cpu.gateway') };
  figures['scale.fleet.stream-rate'] = { value: of('gateway-2', 'req/s', 'streaming'), anchor: of('haproxy-jwt-2', 'req/s', 'streaming') };
}

/**
 * Every figure a results file holds, with the run it comes from. Parts the
 * run did not include give no figure at all (not a missing one), so a
 * partial run leaves the others as they were.
 *
 * @example
 * ```ts
 * const { run, figures } = figuresOfRun(JSON.parse(await readFile('bench/results/latest.json', 'utf8')));
 * ```
 */
export function figuresOfRun(file: unknown): RunFigures {
  const parsed = results.safeParse(file);
  if (!parsed.success) throw new Error(`not a results file of npm run bench: ${z.prettifyError(parsed.error)}`);
  const r = parsed.data;
  const figures: Figures = {};
  for (const report of r.scenarios) scenarioFigures(report, figures);
  if (r.memory) memoryFigures(r.memory, figures);
  if (r.registry) registryFigures(r.registry, figures);
  if (r.gateway) gatewayFigures(r.gateway, figures);
  if (r.inprocess) {
    const mode = (name: string): Side => {
      const row = r.inprocess!.rows.find((m) => m.mode === name);
      return row === undefined ? { missing: 'not in this run' } : row.failures > 0 ? ERRORS : { value: row.cpuMicrosPerCall };
    };
    figures['inprocess.cpu'] = { value: mode('memory'), anchor: mode('loopback') };
  }
  if (r.acp) figures['acp.rate'] = { value: { value: r.acp.bridged.perSecond }, anchor: { value: r.acp.native.perSecond } };
  if (r.orchestrator) orchestratorFigures(r.orchestrator, figures);
  if (r.store) {
    const cpu = (target: string): Side => has(r.store!.rows.find((row) => row.target === target)?.cpuUsPerTask, 'not in this run');
    figures['store.cpu'] = { value: cpu('store'), anchor: cpu('bare') };
  }
  if (r.cli) {
    const cpu = (command: string): Side => has(r.cli!.rows.find((row) => row.command === command)?.medianCpuMs, 'not in this run');
    figures['cli.help'] = { value: cpu('agentmesh --help'), anchor: { value: r.cli.anchorCpuMs } };
    figures['cli.send'] = { value: cpu('agentmesh send <url> hi'), anchor: { value: r.cli.anchorCpuMs } };
  }
  if (r.scale) scaleFigures(r.scale, figures);
  const run: RunInfo = {
    startedAt: r.startedAt,
    command: r.command,
    cpuModel: r.machine.cpuModel,
    cpus: r.machine.cpus,
    node: r.machine.node,
    platform: r.machine.platform,
    loadAtStart: r.machine.loadAverage1m,
    loadAtEnd: r.loadAverage1mAtEnd,
  };
  return { run, figures };
}
