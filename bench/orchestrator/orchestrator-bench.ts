/**
 * The orchestrator part of `npm run bench`: what a workflow step costs over
 * calling the agent directly, and how fast a map moves items, each next to
 * its anchor measured in the same run.
 *
 * Processes: N agents runtimes (the no-op and batch agents, durable SQLite
 * each), the orchestrator (its own runtime and SQLite store) and, for the
 * gateway path, a registry + gateway process with an agents runtime behind
 * it. The harness drives the anchors' plain loops itself, so both sides of
 * a ratio have the same agents process(es) answering and one other process
 * calling: the orchestrator, or the harness.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { createAgentCaller, OUTPUTS_ARTIFACT, RUN_WORKFLOW_SKILL } from '../../src/orchestrator/index.js';
import type { OrchestratorRows } from '../bench-options.js';
import type { Log } from '../report.js';
import { BATCH_AGENT, NOOP_AGENT, type CallCounts } from './bench-agents.js';
import { startBenchProcess, type BenchProcess } from './bench-process.js';
import { batchesOf, mapItems, mapWorkflow, noopChain } from './bench-workflows.js';
import { sdkClient, sequentialCalls, streamCall } from './direct-calls.js';
import type { LengthRow, MapRow, OrchestratorBenchReport, StepRow } from './orchestrator-report.js';
import { createBenchDatabase, postgresUnreachable } from '../scale/service-stats.js';
import { redisUnreachable } from '../../test/helpers/services.js';

/** Settings of the orchestrator part. */
export interface OrchestratorBenchOptions {
  /** Agents runtimes the maps spread over (`--orchestrator-instances`). */
  instances: number;
  log: Log;
  /** Which rows to measure (default all): `steps` (direct path), `maps`, `long-maps` (10,000 and 100,000 items), `gateway`. */
  parts?: readonly OrchestratorRows[];
  /** PostgreSQL (a role that may create databases) and Redis of the `fleet-maps` rows. */
  fleet?: { databaseUrl: string; redisUrl: string };
}

/** Steps of the per-step workflow (and calls of its anchors). */
const STEPS = 1_000;
const WARMUP_STEPS = 200;
/** Anchor and workflow are measured this many times, alternately; the fastest of each counts (the machine's other load only slows). */
const STEP_REPETITIONS = 2;
/** Workflow lengths measured after the per-step rows (direct path), each beside its anchor: a step's cost against its run's length. */
const LENGTHS = [250, 1_000, 4_000, 10_000] as const;
/**
 * Lengths are measured in rounds, each round running every length (short
 * ones repeated to make about STEPS_PER_ROUND steps), in ascending order one
 * round and descending the next: on this shared host the load drifts by
 * tens of percent within a minute, so lengths measured at different moments
 * differed by more than their own difference.
 */
const LENGTH_ROUNDS = 4;
const STEPS_PER_ROUND = 4_000;
/** Seed 004: 10,000 leads in batches of 500; five batches in flight (one per instance of seed 004's five). */
const BATCH_MAP = { items: 10_000, batchSize: 500, concurrency: 5, mode: 'batch', rounds: 5 } as const;
/** One item per call, 16 in flight: the per-item cost of a map. */
const ITEM_MAP = { items: 2_000, batchSize: 1, concurrency: 16, mode: 'item', rounds: 2 } as const;
/**
 * Long maps, same shape at two lengths: the orchestrator's memory at 10,000 and at 100,000 items shows whether a map's
 * grows with it. A round of 100,000 items lasts one to three seconds here, and the plain loop's rate moved by half
 * between runs minutes apart: many alternating rounds, so the ratio is not one moment's load.
 */
const LONG_MAPS = [
  { items: 10_000, batchSize: 100, concurrency: 16, mode: 'batch', rounds: 10 },
  { items: 100_000, batchSize: 100, concurrency: 16, mode: 'batch', rounds: 6 },
] as const;
/** How often the orchestrator's RSS is read while a map runs, ms. */
const RSS_SAMPLE_MS = 200;
/** How often the warm-up map reads the orchestrator's heap after a full collection (a quiet host maps 10,000 items in under 100 ms). */
const LIVE_HEAP_SAMPLE_MS = 25;
/** Calls each side of a map row makes before it is measured (as warm-up rounds of the row's map), and the rounds' cap. */
const WARM_UP_CALLS = 2_000;
const MAX_WARM_UP_ROUNDS = 100;
const ADMIN_TOKEN = 'bench-orchestrator-admin-token-0123456789';
/** Scopes of the gateway-path clients; `gateway:delegate` lets the orchestrator name its own tenant in the delegation header. */
const SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'gateway:delegate'];

/**
 * Runs the orchestrator part.
 *
 * @example
 * ```ts
 * const report = await runOrchestratorBench({ instances: 2, log: console.log });
 * for (const line of formatOrchestratorBench(report)) console.log(line);
 * ```
 */
export async function runOrchestratorBench({ instances, log, fleet, parts = ['steps', 'maps', 'long-maps', 'fleet-maps', 'gateway'] }: OrchestratorBenchOptions): Promise<OrchestratorBenchReport> {
  const dataRoot = await mkdtemp(join(tmpdir(), 'agentmesh-bench-orchestrator-'));
  const processes: BenchProcess[] = [];
  const spawn = async (start: Parameters<typeof startBenchProcess>[0]): Promise<BenchProcess> => {
    const child = await startBenchProcess(start);
    processes.push(child);
    return child;
  };
  const report: OrchestratorBenchReport = { instances, steps: [], maps: [] };
  try {
    log(`orchestrator: starting ${instances} agents runtime(s) and the orchestrator, each in its own process…`);
    const agents = await Promise.all(Array.from({ length: instances }, (_, i) => spawn({ type: 'start', kind: 'agents', dataDir: join(dataRoot, `agents-${i}`) })));
    const orchestrator = await spawn({
      type: 'start',
      kind: 'orchestrator',
      dataDir: join(dataRoot, 'orchestrator'),
      agentUrls: { [NOOP_AGENT]: [agents[0]!.urls[NOOP_AGENT]!], [BATCH_AGENT]: agents.map((a) => a.urls[BATCH_AGENT]!) },
    });
    const runner = await sdkClient(orchestrator.urls['orchestrator']!);
    const loop = await spawn({ type: 'start', kind: 'loop', dataDir: join(dataRoot, 'loop'), agentUrls: agents.map((a) => a.urls[BATCH_AGENT]!) });

    if (parts.includes('steps')) report.steps.push(await stepOverhead({ path: 'direct', agents: agents[0]!, orchestrator, runner, agentUrl: agents[0]!.urls[NOOP_AGENT]!, lengths: LENGTHS, log }));
    const maps = [...(parts.includes('maps') ? [BATCH_MAP, ITEM_MAP] : []), ...(parts.includes('long-maps') ? LONG_MAPS : [])];
    for (const map of maps) report.maps.push(await mapThroughput({ ...map, instances, agents, orchestrator, loop, runner, log }));
    // The embedded processes' part is done: left running, their timers and a heap of 100,000-item maps shared the two
    // cores with the fleet's processes, and the fleet's ratio read 0.68× in a full run against 0.78–0.86× alone.
    await Promise.all([...agents, orchestrator, loop].map((child) => child.stop()));

    if (parts.includes('fleet-maps') && fleet !== undefined) report.maps.push(...(await fleetMaps({ ...fleet, instances, dataRoot, spawn, log })));
    if (parts.includes('gateway')) report.steps.push(await gatewayStepOverhead({ dataRoot, spawn, log }));
    return report;
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
    await rm(dataRoot, { recursive: true, force: true });
  }
}

/** Runs a workflow with a blocking SendMessage to run-workflow; resolves with the outputs, rejects unless it completed. */
async function runWorkflow(runner: Client, workflow: Record<string, unknown>, inputs: Record<string, unknown> = {}): Promise<unknown> {
  const request = SendMessageRequest.fromJSON({
    message: { messageId: `bench-run-${process.pid}-${Date.now()}-${Math.random()}`, role: 'ROLE_USER', parts: [{ data: { workflow, inputs } }], metadata: { skillId: RUN_WORKFLOW_SKILL } },
  });
  const result = await runner.sendMessage(request);
  if (!('status' in result)) throw new Error('the orchestrator answered a message, not the workflow task');
  const task = result as Task;
  if (task.status?.state !== TaskState.TASK_STATE_COMPLETED) {
    const reason = (task.status?.message?.parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
    throw new Error(`the workflow ended ${TaskState[task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED]}: ${reason}`);
  }
  const outputs = task.artifacts.find((a) => a.name === OUTPUTS_ARTIFACT)?.parts[0];
  return outputs?.content?.$case === 'data' ? outputs.content.value : undefined;
}

/** Checks an agents process got `expected` no-op calls since the last reset (and resets). */
async function expectNoops(agents: BenchProcess, expected: number, what: string): Promise<void> {
  const { noop } = await agents.counts(true);
  if (noop !== expected) throw new Error(`${what}: the no-op agent got ${noop} calls, not ${expected}`);
}

async function stepOverhead(o: { path: StepRow['path']; agents: BenchProcess; orchestrator: BenchProcess; runner: Client; agentUrl: string; bearer?: string; lengths?: readonly number[]; log: Log }): Promise<StepRow> {
  const { agents, orchestrator, runner, log } = o;
  const row: StepRow = { path: o.path, steps: STEPS, repetitions: STEP_REPETITIONS };
  try {
    const client = await sdkClient(o.agentUrl, o.bearer);
    const direct = (i: number): Promise<void> => streamCall(client, { step: i });
    // The orchestrator's own agent caller alone: splits the overhead into the call path and the engine.
    const caller = o.bearer === undefined ? createAgentCaller({ directUrl: () => o.agentUrl }) : undefined;
    const signal = new AbortController().signal;
    const viaCaller = async (i: number): Promise<void> => {
      const outcome = await caller!.send({ agent: NOOP_AGENT, input: { step: i }, messageId: `bench-caller-${process.pid}-${Date.now()}-${i}`, onBehalfOf: { tenant: 'bench' }, signal });
      if (outcome.state !== 'completed') throw new Error(`a call through the agent caller ended ${outcome.state}`);
    };
    log(`orchestrator: ${o.path}: warm-up (${WARMUP_STEPS} direct calls, a ${WARMUP_STEPS}-step workflow)…`);
    await sequentialCalls(direct, WARMUP_STEPS);
    if (caller) await sequentialCalls(viaCaller, WARMUP_STEPS);
    await runWorkflow(runner, noopChain(WARMUP_STEPS));
    await agents.counts(true);

    const best = (current: number | undefined, measured: number): number => Math.min(current ?? Infinity, measured);
    for (let rep = 1; rep <= STEP_REPETITIONS; rep++) {
      log(`orchestrator: ${o.path}: ${rep}/${STEP_REPETITIONS}: ${STEPS} direct calls one at a time (the anchor)${caller ? ', the same through the agent caller' : ''}, then one workflow of ${STEPS} sequential no-op steps…`);
      row.anchorMs = best(row.anchorMs, await sequentialCalls(direct, STEPS));
      await expectNoops(agents, STEPS, 'direct calls');
      if (caller) {
        row.callerMs = best(row.callerMs, await sequentialCalls(viaCaller, STEPS));
        await expectNoops(agents, STEPS, 'agent caller');
      }
      const cpuBefore = await orchestrator.cpuMs();
      const started = performance.now();
      const outputs = await runWorkflow(runner, noopChain(STEPS));
      const elapsed = performance.now() - started;
      const cpu = (await orchestrator.cpuMs()) - cpuBefore;
      if ((outputs as { ok?: unknown } | undefined)?.ok !== true) throw new Error(`the workflow's outputs are ${JSON.stringify(outputs)}, not the last step's { ok: true }`);
      await expectNoops(agents, STEPS, 'the workflow');
      if (row.workflowMs === undefined || elapsed < row.workflowMs) Object.assign(row, { workflowMs: elapsed, orchestratorCpuMs: cpu });
      log(`  ${o.path}: direct ${(row.anchorMs / STEPS).toFixed(3)} ms/call, workflow ${(elapsed / STEPS).toFixed(3)} ms/step (orchestrator CPU ${(cpu / STEPS).toFixed(3)} ms/step)`);
    }
    // A step should cost the same however long its workflow: each length's CPU per step shows whether it does.
    const lengths = (o.lengths ?? []).map((steps): Required<LengthRow> => ({ steps, workflows: 0, anchorMs: 0, workflowMs: 0, orchestratorCpuMs: 0 }));
    const runsOf = (l: Required<LengthRow>): number => Math.max(1, Math.round(STEPS_PER_ROUND / l.steps));
    for (let round = 0; round < (lengths.length > 0 ? LENGTH_ROUNDS : 0); round++) {
      const order = round % 2 === 0 ? lengths : [...lengths].reverse();
      log(`orchestrator: ${o.path}: run lengths, round ${round + 1} of ${LENGTH_ROUNDS} (${order.map((l) => `${runsOf(l)}×${l.steps}`).join(', ')} steps, each beside as many direct calls)…`);
      for (const l of order) {
        for (let run = 0; run < runsOf(l); run++) {
          l.anchorMs += await sequentialCalls(direct, l.steps);
          await expectNoops(agents, l.steps, `${l.steps} direct calls`);
          const cpuBefore = await orchestrator.cpuMs();
          const started = performance.now();
          await runWorkflow(runner, noopChain(l.steps));
          l.workflowMs += performance.now() - started;
          l.orchestratorCpuMs += (await orchestrator.cpuMs()) - cpuBefore;
          await expectNoops(agents, l.steps, `the ${l.steps}-step workflow`);
          l.workflows++;
        }
      }
    }
    for (const l of lengths) {
      const steps = l.steps * l.workflows;
      log(`  ${o.path}: ${l.steps} steps × ${l.workflows}: direct ${(l.anchorMs / steps).toFixed(3)} ms/call, workflow ${(l.workflowMs / steps).toFixed(3)} ms/step (orchestrator CPU ${(l.orchestratorCpuMs / steps).toFixed(3)} ms/step)`);
    }
    if (lengths.length > 0) row.lengths = lengths;
  } catch (err) {
    row.failure = err instanceof Error ? err.message : String(err);
    log(`  ! ${o.path}: ${row.failure}`);
  }
  return row;
}

/** The sums of every agents process's counts (and resets them). */
async function totalCounts(agents: readonly BenchProcess[]): Promise<CallCounts> {
  const all = await Promise.all(agents.map((a) => a.counts(true)));
  return all.reduce((sum, c) => ({ noop: sum.noop + c.noop, batches: sum.batches + c.batches, items: sum.items + c.items, repeatedBatches: sum.repeatedBatches + c.repeatedBatches }));
}

async function expectBatches(agents: readonly BenchProcess[], batches: number, items: number, what: string): Promise<void> {
  const counts = await totalCounts(agents);
  if (counts.batches !== batches || counts.items !== items || counts.repeatedBatches !== 0) {
    throw new Error(`${what}: the batch agents got ${counts.batches} batches, ${counts.items} items, ${counts.repeatedBatches} repeated; expected ${batches} batches, ${items} items, none repeated`);
  }
}

async function mapThroughput(o: {
  items: number;
  batchSize: number;
  concurrency: number;
  mode: 'batch' | 'item';
  rounds: number;
  instances: number;
  agents: readonly BenchProcess[];
  orchestrator: BenchProcess;
  /** The anchor's plain loop, a process of its own as the orchestrator is (a loop in the harness ran warmer after the earlier parts). */
  loop: BenchProcess;
  runner: Client;
  log: Log;
}): Promise<MapRow> {
  const { agents, orchestrator, loop, runner, log } = o;
  const row: MapRow = { mode: o.mode, items: o.items, batchSize: o.batchSize, concurrency: o.concurrency, instances: o.instances, rounds: o.rounds };
  const batchCount = Math.ceil(o.items / o.batchSize);
  try {
    const workflow = mapWorkflow(o);
    // Round r maps items r·n+1 … (r+1)·n: every batch of a measurement starts with a distinct number.
    const roundItems = (round: number): number[] => mapItems(o.items).map((item) => item + round * o.items);
    // The loop sends the batches to the agent instances in turn, as the map does; it spends `cpuMs` of its own on them.
    const direct = async (round: number): Promise<{ ms: number; cpuMs: number }> => loop.loop(batchesOf(roundItems(round), o.batchSize), o.concurrency);
    const viaWorkflow = async (round: number, options: { liveHeap?: boolean } = {}): Promise<number> => {
      const started = performance.now();
      // The orchestrator's resident set, read while the map runs: its peak says what a map of this length holds.
      let peak = await orchestrator.rssBytes();
      // What it keeps alive, apart from garbage not yet collected: read in the warm-up only (each reading is a full
      // collection), and alone (the child answers both readings with one kind of message).
      let live = 0;
      let mapping = true;
      // One reading at a time, the next LIVE_HEAP_SAMPLE_MS after the last answer: a full collection can outlast the
      // interval, and readings queued behind one another held the child's other answers for seconds.
      const heapReadings =
        options.liveHeap === true
          ? (async () => {
              while (mapping) {
                live = Math.max(live, await orchestrator.liveHeapBytes().catch(() => 0));
                await new Promise((resolve) => setTimeout(resolve, LIVE_HEAP_SAMPLE_MS));
              }
            })()
          : undefined;
      const sampler = options.liveHeap === true ? undefined : setInterval(() => void orchestrator.rssBytes().then((rss) => (peak = Math.max(peak, rss)), () => undefined), RSS_SAMPLE_MS);
      let outputs: unknown;
      try {
        outputs = await runWorkflow(runner, workflow, { items: roundItems(round) });
      } finally {
        clearInterval(sampler);
        mapping = false;
        await heapReadings;
      }
      const elapsed = performance.now() - started;
      row.orchestratorPeakRssMb = Math.max(row.orchestratorPeakRssMb ?? 0, peak / 2 ** 20);
      if (live > 0) row.orchestratorLiveHeapMb = Math.max(row.orchestratorLiveHeapMb ?? 0, live / 2 ** 20);
      const counted = ((outputs as { value?: Array<{ count?: number }> } | undefined)?.value ?? []).reduce((n, b) => n + (b?.count ?? 0), 0);
      if (counted !== o.items) throw new Error(`the map's outputs count ${counted} items, not ${o.items}`);
      return elapsed;
    };
    const label = `${o.mode} map, ${o.items} items${o.mode === 'batch' ? ` in batches of ${o.batchSize}` : ''}, concurrency ${o.concurrency}, ${o.instances} instance(s)`;
    // Both sides warm up on at least WARM_UP_CALLS calls: the loop's process starts cold, and one round of a small map
    // (20 batches of 500) left it running interpreted code, at half its speed, against an orchestrator that the
    // per-step part had long warmed.
    const warmUpRounds = Math.min(MAX_WARM_UP_ROUNDS, Math.ceil(WARM_UP_CALLS / batchCount));
    log(`orchestrator: ${label}: ${warmUpRounds} warm-up round(s), then ${o.rounds} round(s) direct (the anchor) and through the orchestrator…`);
    for (let warmUp = 0; warmUp < warmUpRounds; warmUp++) {
      // Past the measured rounds' numbers, so the measured batches stay distinct from these.
      await direct(o.rounds + 2 * warmUp);
      await viaWorkflow(o.rounds + 2 * warmUp + 1, { liveHeap: warmUp === 0 });
    }
    await totalCounts(agents);

    // Rounds alternate anchor and map, so a change in the machine's load touches both sides alike.
    row.anchorMs = 0;
    row.anchorCpuMs = 0;
    row.workflowMs = 0;
    row.orchestratorCpuMs = 0;
    for (let round = 0; round < o.rounds; round++) {
      const anchor = await direct(round);
      row.anchorMs += anchor.ms;
      row.anchorCpuMs += anchor.cpuMs;
      await expectBatches(agents, batchCount, o.items, `direct batches, round ${round + 1}`);
      const cpuBefore = await orchestrator.cpuMs();
      row.workflowMs += await viaWorkflow(round);
      row.orchestratorCpuMs += (await orchestrator.cpuMs()) - cpuBefore;
      await expectBatches(agents, batchCount, o.items, `the map, round ${round + 1}`);
    }
    log(`  ${o.mode}: direct ${((o.items * o.rounds) / (row.anchorMs / 1000)).toFixed(0)} items/s, map ${((o.items * o.rounds) / (row.workflowMs / 1000)).toFixed(0)} items/s`);
  } catch (err) {
    row.failure = err instanceof Error ? err.message : String(err);
    log(`  ! ${o.mode} map: ${row.failure}`);
  }
  return row;
}

/**
 * The long maps on a fleet: the agents runtimes and the orchestrator keep
 * their state in one PostgreSQL database (fresh, dropped after) and share a
 * Redis bus stream of the run's own, as replicas do.
 */
async function fleetMaps(o: { databaseUrl: string; redisUrl: string; instances: number; dataRoot: string; spawn: (start: Parameters<typeof startBenchProcess>[0]) => Promise<BenchProcess>; log: Log }): Promise<MapRow[]> {
  const { instances, dataRoot, log } = o;
  const unreachable = (await postgresUnreachable(o.databaseUrl)) ?? (await redisUnreachable(o.redisUrl));
  if (unreachable !== undefined) {
    log(`orchestrator: fleet maps skipped: ${unreachable}`);
    return LONG_MAPS.map((map) => ({ ...map, instances, failure: `skipped: ${unreachable}` }));
  }
  const suffix = `${process.pid}_${Date.now()}`;
  const database = await createBenchDatabase({ adminUrl: o.databaseUrl, name: `agentmesh_bench_maps_${suffix}` });
  const state = { databaseUrl: database.url, redisUrl: o.redisUrl, stream: `agentmesh:bench:maps:${suffix}` };
  const started: BenchProcess[] = [];
  const spawn = async (start: Parameters<typeof startBenchProcess>[0]): Promise<BenchProcess> => {
    const child = await o.spawn(start);
    started.push(child);
    return child;
  };
  try {
    log(`orchestrator: fleet: ${instances} agents runtime(s) and the orchestrator on PostgreSQL (${database.name}) and Redis (${state.stream})…`);
    const agents = await Promise.all(Array.from({ length: instances }, (_, i) => spawn({ type: 'start', kind: 'agents', dataDir: join(dataRoot, `fleet-agents-${i}`), fleet: state })));
    const orchestrator = await spawn({ type: 'start', kind: 'orchestrator', dataDir: join(dataRoot, 'fleet-orchestrator'), fleet: state, agentUrls: { [BATCH_AGENT]: agents.map((a) => a.urls[BATCH_AGENT]!) } });
    const runner = await sdkClient(orchestrator.urls['orchestrator']!);
    const loop = await spawn({ type: 'start', kind: 'loop', dataDir: join(dataRoot, 'fleet-loop'), agentUrls: agents.map((a) => a.urls[BATCH_AGENT]!) });
    const rows: MapRow[] = [];
    for (const map of LONG_MAPS) rows.push({ ...(await mapThroughput({ ...map, instances, agents, orchestrator, loop, runner, log })), fleet: true });
    return rows;
  } finally {
    // Stopped before their database goes.
    await Promise.all(started.map((child) => child.stop()));
    await database.drop();
  }
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The per-step overhead on the production path: orchestrator → gateway →
 * agent (token, delegation, quotas, credits, audit per call), against the
 * same calls made by a plain loop through the same gateway.
 */
async function gatewayStepOverhead({ dataRoot, spawn, log }: { dataRoot: string; spawn: (start: Parameters<typeof startBenchProcess>[0]) => Promise<BenchProcess>; log: Log }): Promise<StepRow> {
  try {
    log('orchestrator: gateway path: starting a registry + gateway, an agents runtime behind it and a second orchestrator…');
    const control = await spawn({ type: 'start', kind: 'control', dataDir: join(dataRoot, 'control'), adminToken: ADMIN_TOKEN });
    const gatewayUrl = control.urls['gateway']!;
    const agents = await spawn({ type: 'start', kind: 'agents', dataDir: join(dataRoot, 'agents-gateway'), registryUrl: control.urls['registry']!, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const client = async (name: string, tenant: string): Promise<{ clientId: string; clientSecret: string }> => {
      const created = await json(`${gatewayUrl}/v1/clients`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name, tenant, scopes: SCOPES, authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: 10_000_000, burst: 1000 } }),
      });
      if (created.status !== 201) throw new Error(`client creation answered ${created.status}: ${JSON.stringify(created.body)}`);
      return { clientId: created.body.client_id, clientSecret: created.body.client_secret };
    };
    const loop = await client('bench-loop', 'bench');
    // The runner calls the orchestrator straight (no gateway in front, no assertion to exchange), so the orchestrator
    // names its `anonymousTenant` in the delegation header: allowed for a client of that same tenant (ADR 0036).
    const orchestratorClient = await client('bench-orchestrator', 'bench');
    const basic = Buffer.from(`${loop.clientId}:${loop.clientSecret}`).toString('base64');
    const token = await json(`${gatewayUrl}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    if (token.status !== 200) throw new Error(`the token endpoint answered ${token.status}: ${JSON.stringify(token.body)}`);
    const agentUrl = `${gatewayUrl}/agents/${NOOP_AGENT}`;
    // The runtime registers after listen(); the gateway routes once the registry has the instance.
    for (let attempt = 0; (await fetch(`${agentUrl}/.well-known/agent-card.json`)).status !== 200; attempt++) {
      if (attempt > 200) throw new Error(`the gateway never routed to ${NOOP_AGENT}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const orchestrator = await spawn({ type: 'start', kind: 'orchestrator', dataDir: join(dataRoot, 'orchestrator-gateway'), gateway: { url: gatewayUrl, ...orchestratorClient, tenant: 'bench' } });
    const runner = await sdkClient(orchestrator.urls['orchestrator']!);
    return await stepOverhead({ path: 'gateway', agents, orchestrator, runner, agentUrl, bearer: token.body.access_token as string, log });
  } catch (err) {
    const failure = err instanceof Error ? err.message : String(err);
    log(`  ! gateway: ${failure}`);
    return { path: 'gateway', steps: STEPS, repetitions: STEP_REPETITIONS, failure };
  }
}
