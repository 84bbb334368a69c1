/**
 * The last hour of the gateway's own call metrics, in memory, for the
 * console's overview charts: one point every `intervalMs` (default 10 s),
 * 360 kept. Each point holds cumulative counts read from the metrics
 * registry (calls by outcome, the duration histogram's buckets), so the
 * browser derives rates and percentiles from two neighbours. Nothing
 * tenant-scoped is kept: the series are labelled by agent and outcome only,
 * and the routes that read them need a console credential.
 */
import type { MetricsPoint } from '../../contracts/console/index.js';
import type { Metrics } from '../../observability/index.js';

export type { MetricsPoint };

/** Options of {@link MetricsHistory}. */
export interface MetricsHistoryOptions {
  metrics: Metrics;
  /** Sampling period. Default 10,000 ms. */
  intervalMs?: number;
  /** Points kept. Default 360 (one hour at 10 s). */
  capacity?: number;
  clock?: () => number;
}

const CALLS = 'agentmesh_gateway_calls_total';
const DURATION = 'agentmesh_gateway_call_duration_seconds';

/** A ring of {@link MetricsPoint}s sampled on a timer that does not hold the process open. */
export class MetricsHistory {
  readonly #metrics: Metrics;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #clock: () => number;
  readonly #points: MetricsPoint[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MetricsHistoryOptions) {
    this.#metrics = options.metrics;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#capacity = options.capacity ?? 360;
    this.#clock = options.clock ?? Date.now;
  }

  /** Takes a first sample now, then one every interval. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.record();
    this.#timer = setInterval(() => void this.record(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The kept points, oldest first, then a point read now (so a fresh gateway already shows one interval). */
  async points(): Promise<MetricsPoint[]> {
    return [...this.#points, await this.sample()];
  }

  /** Reads the registry once. */
  async sample(): Promise<MetricsPoint> {
    const calls: Record<string, number> = { ok: 0, error: 0, denied: 0 };
    const counter = this.#metrics.registry.getSingleMetric(CALLS);
    if (counter !== undefined) {
      for (const v of (await counter.get()).values) {
        const outcome = String(v.labels['outcome'] ?? 'ok');
        if (Object.hasOwn(calls, outcome)) calls[outcome]! += v.value;
      }
    }
    const byLe = new Map<number, number>();
    const histogram = this.#metrics.registry.getSingleMetric(DURATION);
    if (histogram !== undefined) {
      for (const v of (await histogram.get()).values) {
        if (!('metricName' in v) || v.metricName !== `${DURATION}_bucket`) continue;
        const le = v.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels['le']);
        byLe.set(le, (byLe.get(le) ?? 0) + v.value);
      }
    }
    const le = [...byLe.keys()].sort((a, b) => a - b);
    return { at: this.#clock(), calls, buckets: { le: le.map((x) => (Number.isFinite(x) ? x : -1)), counts: le.map((x) => byLe.get(x)!) } };
  }

  /** Samples once and keeps the point (the timer's work; tests call it directly). */
  async record(): Promise<void> {
    const point = await this.sample();
    this.#points.push(point);
    if (this.#points.length > this.#capacity) this.#points.shift();
  }
}
