import type { HistoryOp } from './history-format.js';
import { pairHistory, parseHistory, type PairedHistory } from './history-ops.js';
import { checkApprovals } from './checks/approvals-check.js';
import { checkCredits } from './checks/credits-check.js';
import { checkFaultLiveness } from './checks/fault-liveness-check.js';
import type { Anomaly, PropertyResult } from './checks/property-result.js';
import { checkPush } from './checks/push-check.js';
import { checkTaskEvents, taskLogs } from './checks/task-events-check.js';
import { taskOperations } from './checks/task-ops.js';
import { checkTaskState } from './checks/task-state-check.js';
import { checkWorkflow } from './checks/workflow-check.js';
import type { SearchBudget } from './linearizability/wgl-search.js';

/** How many lines of each type, and per `f` how its operations ended. */
export interface OpCounts {
  lines: Record<HistoryOp['type'], number>;
  byF: Record<string, { ok: number; fail: number; info: number }>;
  info: number;
  nemesis: number;
}

export interface HistoryReport {
  /** `unknown`: no anomaly, but a check could not finish: not a pass. */
  verdict: 'valid' | 'invalid' | 'unknown';
  properties: PropertyResult[];
  counts: OpCounts;
}

export interface CheckOptions {
  /** The Wing–Gong search's budget per task. */
  budget?: SearchBudget;
}

/** Checks a history's every property (test/history/README.md, "Properties"). */
export function checkHistory(ops: readonly HistoryOp[], options: CheckOptions = {}): HistoryReport {
  const paired = pairHistory(ops);
  const tasks = taskOperations(paired.operations);
  const eventAnomalies: Anomaly[] = [];
  const logs = taskLogs(tasks, eventAnomalies);
  const properties = [
    checkTaskState(tasks, options.budget),
    checkTaskEvents(tasks, logs, eventAnomalies),
    checkPush(paired.operations, logs),
    checkWorkflow(paired.operations),
    checkCredits(paired.operations),
    checkApprovals(paired.operations),
    checkFaultLiveness(paired.operations, paired.nemesis),
  ];
  const verdict = properties.some((p) => p.status === 'fail') ? 'invalid' : properties.some((p) => p.status === 'unknown') ? 'unknown' : 'valid';
  return { verdict, properties, counts: countOps(paired) };
}

/** Reads JSON lines and checks them. */
export function checkHistoryText(text: string, options: CheckOptions = {}): HistoryReport {
  return checkHistory(parseHistory(text), options);
}

function countOps(paired: PairedHistory): OpCounts {
  const lines = { invoke: 0, ok: 0, fail: 0, info: 0 };
  for (const op of paired.ops) lines[op.type] += 1;
  // No prototype: `f` comes from the file, and `__proto__` is a name too (CONTRIBUTING.md, "Hostile input").
  const byF: OpCounts['byF'] = Object.create(null);
  for (const operation of paired.operations) {
    const counts = Object.hasOwn(byF, operation.f) ? byF[operation.f]! : (byF[operation.f] = { ok: 0, fail: 0, info: 0 });
    counts[operation.type] += 1;
  }
  const info = paired.operations.filter((operation) => operation.type === 'info').length;
  return { lines, byF, info, nemesis: paired.nemesis.length };
}
