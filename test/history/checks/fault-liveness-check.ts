import { F, type HistoryOp } from '../history-format.js';
import type { Operation } from '../history-ops.js';
import { result, type Anomaly, type PropertyResult } from './property-result.js';

/** Operations that record what a test receiver or agent saw: always `ok`, so they say nothing of the system's availability. */
const OBSERVATIONS = new Set<string>([F.push, F.stepEffect]);

/**
 * Against trivial passes (Restate's Jepsen suite warns of them): a run in which most operations
 * failed can satisfy every safety property. When fewer than half of the client operations invoked
 * during fault periods (from a nemesis `start` to its `stop`, or Jepsen's `start-partition` to
 * `stop-partition`; periods may overlap) completed `ok`, the run counts as failed.
 */
export function checkFaultLiveness(operations: readonly Operation[], nemesis: readonly HistoryOp[]): PropertyResult {
  const periods: { from: number; to: number }[] = [];
  let open = 0;
  let from = 0;
  for (const op of nemesis) {
    if (op.f === F.start || op.f.startsWith(`${F.start}-`)) {
      if (open === 0) from = op.index;
      open += 1;
    } else if ((op.f === F.stop || op.f.startsWith(`${F.stop}-`)) && open > 0) {
      open -= 1;
      if (open === 0) periods.push({ from, to: op.index });
    }
  }
  if (open > 0) periods.push({ from, to: Number.POSITIVE_INFINITY });
  const client = operations.filter((operation) => !OBSERVATIONS.has(operation.f));
  const anomalies: Anomaly[] = [];
  if (client.length === 0) anomalies.push({ kind: 'empty', ops: [], explanation: 'the history has no client operation' });
  const during = client.filter((operation) => periods.some((p) => operation.invoke.index > p.from && operation.invoke.index < p.to));
  const ok = during.filter((operation) => operation.type === 'ok').length;
  if (during.length > 0 && ok * 2 < during.length) {
    anomalies.push({ kind: 'trivial', ops: periods.map((p) => p.from), explanation: `only ${ok} of ${during.length} operations invoked during faults completed ok: too few to trust the other verdicts` });
  }
  const notes = periods.length === 0 ? ['no fault periods (no nemesis start/stop)'] : [];
  return result('fault-liveness', 'Most operations during faults complete ok', `${periods.length} fault periods, ${ok} of ${during.length} operations ok during them`, anomalies, notes);
}
