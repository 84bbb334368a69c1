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
import { SampledHistory, type SamplingOptions } from './sampled-history.js';

export type { MetricsPoint };

/** Options of {@link MetricsHistory}. */
export interface MetricsHistoryOptions extends SamplingOptions {
  metrics: Metrics;
}

const CALLS = 'agentmesh_gateway_calls_total';
const DURATION = 'agentmesh_gateway_call_duration_seconds';

/** A ring of {@link MetricsPoint}s sampled on a timer that does not hold the process open. */
export class MetricsHistory extends SampledHistory {
  readonly #metrics: Metrics;
  readonly #points: MetricsPoint[] = [];

  constructor(options: MetricsHistoryOptions) {
    super(options);
    this.#metrics = options.metrics;
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
    return { at: this.clock(), calls, buckets: { le: le.map((x) => (Number.isFinite(x) ? x : -1)), counts: le.map((x) => byLe.get(x)!) } };
  }

  override async record(): Promise<void> {
    this.keep(this.#points, await this.sample());
  }
}
