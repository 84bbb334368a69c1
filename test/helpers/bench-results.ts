/**
 * Results files of `npm run bench` (what bench/run.ts writes to
 * bench/results/latest.json), built from the bench's own report types so a
 * change to a report's shape fails to compile here before the table's
 * reader meets it.
 */
import { computeRatios, type MemoryReport, type ScenarioReport, type ScenarioRow } from '../../bench/report.js';
import type { LoadResult } from '../../bench/load.js';
import { GATEWAY_TARGETS, summarizeRounds, type GatewayAbsence, type GatewayRow, type GatewayTarget } from '../../bench/gateway/gateway-report.js';
import type { ScaleBenchReport } from '../../bench/scale/scale-report.js';
import type { OrchestratorBenchReport } from '../../bench/orchestrator/orchestrator-report.js';
import type { TargetId } from '../../bench/target-process.js';

/** One autocannon result: clean unless `errors` says otherwise. */
export function loadOf({ requestsPerSec, p99Ms, cpu, errors = 0 }: { requestsPerSec: number; p99Ms: number; cpu: number; errors?: number }): LoadResult {
  return { requestsPerSec, p50Ms: p99Ms / 3, p99Ms, totalRequests: requestsPerSec * 10, durationS: 10, errors, timeouts: 0, non2xx: 0, mismatches: 0, cpuMicrosPerRequest: cpu };
}

/** A scenario's report with its ratios computed as the bench computes them. */
export function scenarioOf(scenario: ScenarioReport['scenario'], loads: Partial<Record<TargetId, LoadResult>>): ScenarioReport {
  const names: Record<TargetId, string> = { a: 'bare', b: 'sdk', c: 'agentmesh' };
  const rows: ScenarioRow[] = (['a', 'b', 'c'] as const).filter((id) => loads[id] !== undefined).map((id) => ({ target: id, name: names[id], load: loads[id]! }));
  return { scenario, rows, ratios: computeRatios(rows) };
}

/** One round of the gateway part, every figure given per target; the report as the part summarizes it. */
export function gatewayOf(rows: Partial<Record<GatewayTarget, { rps: number; p50: number; cpu?: number; errors?: number }>>, skipped: GatewayAbsence[] = []) {
  const round: GatewayRow[] = GATEWAY_TARGETS.flatMap((target) => {
    const r = rows[target];
    return r === undefined ? [] : [{
    target,
    requestsPerSec: r.rps,
    p50Ms: 5,
    p99Ms: 20,
    sequentialP50Ms: r.p50,
    sequentialP99Ms: r.p50 * 2,
    errors: r.errors ?? 0,
    non2xx: 0,
    runtimeCpuMicros: 100,
    frontCpuMicros: target === 'direct' ? undefined : r.cpu,
  }];
  });
  return summarizeRounds({ roundRows: [round], skipped, failed: [] });
}

export interface ResultsParts {
  scenarios?: ScenarioReport[];
  memory?: MemoryReport;
  gateway?: ReturnType<typeof gatewayOf>;
  scale?: ScaleBenchReport;
  orchestrator?: OrchestratorBenchReport;
}

/** A results file as run.ts writes it, with the parts given and every other part `null`. */
export function benchResults({ startedAt, command, load = [1.1, 2.3], parts }: { startedAt: string; command: string; load?: [number, number]; parts: ResultsParts }) {
  return {
    startedAt,
    finishedAt: startedAt,
    command,
    machine: { hostname: 'bench-host', cpus: 2, cpuModel: 'Intel(R) Xeon(R) Processor @ 2.10GHz', totalMemoryBytes: 8e9, node: 'v24.21.0', platform: 'linux-x64', loadAverage1m: load[0] },
    loadAverage1mAtEnd: load[1],
    settings: {},
    targets: {},
    scenarios: parts.scenarios ?? [],
    memory: parts.memory ?? null,
    registry: null,
    gateway: parts.gateway ?? null,
    inprocess: null,
    acp: null,
    orchestrator: parts.orchestrator ?? null,
    store: null,
    cli: null,
    scale: parts.scale ?? null,
  };
}
