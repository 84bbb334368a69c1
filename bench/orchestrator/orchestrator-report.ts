/**
 * What the orchestrator part measured, and its tables: per-step overhead
 * (a workflow's step against a direct call) and map throughput (a map
 * against the same batches sent by a plain loop), each with its ratio.
 */
import { formatTable } from '../report.js';

/** One path of the per-step overhead: times for `steps` calls, ms. A row with `failure` has no result. */
export interface StepRow {
  /** `direct`: orchestrator → agent; `gateway`: orchestrator → gateway → agent. */
  path: 'direct' | 'gateway';
  steps: number;
  /** Times each side was measured (alternately); the fastest counts. */
  repetitions: number;
  /** The anchor: `steps` direct calls one at a time, SDK client, streamed. */
  anchorMs?: number;
  /** The same calls through the orchestrator's own agent caller, without the engine (direct path only). */
  callerMs?: number;
  /** One workflow of `steps` sequential no-op call steps, blocking SendMessage to run-workflow. */
  workflowMs?: number;
  /** CPU time the orchestrator's process spent on the fastest workflow. */
  orchestratorCpuMs?: number;
  /**
   * One workflow per length (250 … 10,000 steps, direct path), each right after
   * its anchor (as many direct calls): a step should cost the same however long its run.
   */
  lengths?: LengthRow[];
  failure?: string;
}

/** One workflow length and its same-run anchor, ms summed over its `workflows` runs. */
export interface LengthRow {
  steps: number;
  /** Workflows of this length measured (and as many anchors); older reports lack it (one). */
  workflows?: number;
  anchorMs: number;
  workflowMs: number;
  orchestratorCpuMs: number;
}

/** One map variant: times over every round, ms. A row with `failure` has no result. */
export interface MapRow {
  mode: 'batch' | 'item';
  /** Items per round. */
  items: number;
  batchSize: number;
  concurrency: number;
  instances: number;
  rounds: number;
  /** The anchor: the same batches sent by a plain loop with the same concurrency (a process of its own). */
  anchorMs?: number;
  /** CPU time the loop's process spent sending them. */
  anchorCpuMs?: number;
  /** The map workflows, one per round. */
  workflowMs?: number;
  orchestratorCpuMs?: number;
  /** Every process on PostgreSQL + Redis (a fleet), not SQLite each. */
  fleet?: boolean;
  /** The orchestrator process's highest resident set seen while a map ran (warm-up included), MiB. */
  orchestratorPeakRssMb?: number;
  /** The orchestrator's heap after a full collection, highest of those read every 25 ms of the warm-up map (not a measured one: a collection costs time), MiB. */
  orchestratorLiveHeapMb?: number;
  failure?: string;
}

/** The orchestrator part of a run. */
export interface OrchestratorBenchReport {
  instances: number;
  steps: StepRow[];
  maps: MapRow[];
}

/** True when a row of the part has no clean result. */
export function orchestratorBenchFailed(report: OrchestratorBenchReport): boolean {
  return [...report.steps, ...report.maps].some((row) => row.failure !== undefined);
}

const fixed = (value: number | undefined, digits: number): string => (value === undefined ? '-' : value.toFixed(digits));
const times = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);

/**
 * The part's tables, ready to print.
 *
 * @example
 * ```ts
 * for (const line of formatOrchestratorBench(report)) log(line);
 * ```
 */
export function formatOrchestratorBench(report: OrchestratorBenchReport): string[] {
  const lines = ['== Orchestrator: per-step overhead (1 workflow of sequential no-op steps vs the same calls made directly) =='];
  const stepRows = report.steps.map((row) => {
    const per = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / row.steps);
    const overhead = row.workflowMs !== undefined && row.anchorMs !== undefined ? (row.workflowMs - row.anchorMs) / row.steps : undefined;
    return [
      row.path === 'direct' ? 'orchestrator → agent' : 'orchestrator → gateway → agent',
      String(row.steps),
      fixed(row.anchorMs, 0),
      fixed(per(row.anchorMs), 3),
      fixed(per(row.callerMs), 3),
      fixed(row.workflowMs, 0),
      fixed(per(row.workflowMs), 3),
      fixed(overhead, 3),
      fixed(per(row.orchestratorCpuMs), 3),
      times(row.workflowMs !== undefined && row.anchorMs !== undefined ? row.workflowMs / row.anchorMs : undefined),
    ];
  });
  lines.push(
    formatTable(['path', 'steps', 'direct ms', 'direct ms/call', 'caller ms/call', 'workflow ms', 'ms/step', 'overhead ms/step', 'orch CPU ms/step', 'workflow/direct'], stepRows),
  );
  for (const row of report.steps) {
    if (row.lengths === undefined || row.lengths.length === 0) continue;
    const first = row.lengths[0]!;
    const stepsOf = (l: LengthRow): number => l.steps * (l.workflows ?? 1);
    const cpuOf = (l: LengthRow): number => l.orchestratorCpuMs / stepsOf(l);
    lines.push('', `== Orchestrator: a step's cost against its run's length (${row.path} path, each workflow beside its anchor of as many direct calls) ==`);
    lines.push(
      formatTable(
        ['steps', 'workflows', 'direct ms/call', 'ms/step', 'overhead ms/step', 'orch CPU ms/step', `CPU vs ${first.steps} steps`],
        row.lengths.map((l) => [String(l.steps), String(l.workflows ?? 1), fixed(l.anchorMs / stepsOf(l), 3), fixed(l.workflowMs / stepsOf(l), 3), fixed((l.workflowMs - l.anchorMs) / stepsOf(l), 3), fixed(cpuOf(l), 3), times(cpuOf(l) / cpuOf(first))]),
      ),
    );
  }
  for (const row of report.steps) if (row.failure !== undefined) lines.push(`! ${row.path}: ${row.failure}`);

  lines.push('', `== Orchestrator: map throughput across ${report.instances} agents runtime(s) (map workflow vs the same batches sent by a plain loop) ==`);
  const mapRows = report.maps.map((row) => {
    const items = row.items * row.rounds;
    const batches = Math.ceil(row.items / row.batchSize) * row.rounds;
    const rate = (count: number, ms: number | undefined): number | undefined => (ms === undefined ? undefined : count / (ms / 1000));
    const direct = rate(items, row.anchorMs);
    const map = rate(items, row.workflowMs);
    return [
      `${row.mode === 'batch' ? `batches of ${row.batchSize}` : 'per item'}, concurrency ${row.concurrency}${row.fleet ? ', fleet (PG + Redis)' : ''}`,
      `${row.rounds} × ${row.items}`,
      fixed(direct, 0),
      fixed(rate(batches, row.anchorMs), 1),
      fixed(map, 0),
      fixed(rate(batches, row.workflowMs), 1),
      fixed(row.anchorCpuMs === undefined ? undefined : (row.anchorCpuMs * 1000) / batches, 0),
      fixed(row.orchestratorCpuMs === undefined ? undefined : (row.orchestratorCpuMs * 1000) / batches, 0),
      fixed(row.orchestratorPeakRssMb, 0),
      fixed(row.orchestratorLiveHeapMb, 0),
      times(direct !== undefined && map !== undefined ? map / direct : undefined),
    ];
  });
  lines.push(formatTable(['variant', 'items', 'direct items/s', 'direct batches/s', 'map items/s', 'map batches/s', 'loop CPU µs/batch', 'orch CPU µs/batch', 'orch peak RSS MiB', 'orch live heap MiB', 'map/direct'], mapRows));
  for (const row of report.maps) if (row.failure !== undefined) lines.push(`! ${row.mode} map: ${row.failure}`);
  return lines;
}
