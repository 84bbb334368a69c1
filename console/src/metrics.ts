/** Rates and percentiles from the gateway's cumulative samples (`/v1/console/overview` → metrics). */
import type { MetricsPoint } from '../../src/contracts/console/index.js';

export type { MetricsPoint };

export interface Derived {
  /** Seconds since the epoch, one per interval (uPlot's x). */
  times: number[];
  requestsPerSecond: Array<number | null>;
  errorsPerSecond: Array<number | null>;
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

/**
 * The `q` quantile (0–1) of the observations between two cumulative
 * histograms, in ms: linear interpolation inside the bucket the rank falls
 * in (as Prometheus' histogram_quantile does), so a p95 reads 430 ms rather
 * than snapping to the bucket's bound of 500. Past the largest finite bound
 * it is that bound: nothing says how far beyond the observations went.
 */
export function quantileMs(le: number[], before: number[], after: number[], q: number): number | null {
  const counts = after.map((c, i) => c - (before[i] ?? 0));
  const n = counts[counts.length - 1] ?? 0;
  if (n <= 0) return null;
  const rank = q * n;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! >= rank) {
      const bound = le[i]!;
      // -1 stands for +Inf: report the largest finite bound.
      if (bound < 0) return (le[i - 1] ?? 0) * 1000;
      const lower = i === 0 ? 0 : le[i - 1]!;
      const below = i === 0 ? 0 : counts[i - 1]!;
      const inBucket = counts[i]! - below;
      const share = inBucket <= 0 ? 1 : (rank - below) / inBucket;
      return (lower + (bound - lower) * share) * 1000;
    }
  }
  return null;
}

export function derive(points: MetricsPoint[]): Derived {
  const d: Derived = { times: [], requestsPerSecond: [], errorsPerSecond: [], p50: [], p95: [], p99: [] };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const seconds = (b.at - a.at) / 1000;
    if (seconds <= 0) continue;
    d.times.push(b.at / 1000);
    d.requestsPerSecond.push(Math.max(0, total(b.calls) - total(a.calls)) / seconds);
    d.errorsPerSecond.push(Math.max(0, (b.calls['error'] ?? 0) - (a.calls['error'] ?? 0)) / seconds);
    // Before the first call the histogram has no series yet: its counts are all zero.
    const before = a.buckets.le.length === 0 ? b.buckets.counts.map(() => 0) : a.buckets.counts;
    const same = before.length === b.buckets.counts.length;
    d.p50.push(same ? quantileMs(b.buckets.le, before, b.buckets.counts, 0.5) : null);
    d.p95.push(same ? quantileMs(b.buckets.le, before, b.buckets.counts, 0.95) : null);
    d.p99.push(same ? quantileMs(b.buckets.le, before, b.buckets.counts, 0.99) : null);
  }
  return d;
}

/** Calls of every outcome since the gateway started, from the last point: those that failed and those refused (auth, scope, quota) apart. */
export function totals(points: MetricsPoint[]): { calls: number; errors: number; denied: number } {
  const last = points[points.length - 1];
  return last === undefined ? { calls: 0, errors: 0, denied: 0 } : { calls: total(last.calls), errors: last.calls['error'] ?? 0, denied: last.calls['denied'] ?? 0 };
}
