/*
 * The primary's metrics listener: one scrape answers every worker's series,
 * gathered over the cluster's IPC channel by prom-client's
 * AggregatorRegistry. Workers label theirs `worker="<slot>"`, so nothing is
 * summed across workers: a gauge read from shared state (a tenant's
 * balance) is not counted n times, and `sum without (worker)` gives the
 * totals.
 */
import { AggregatorRegistry } from 'prom-client';
import { createMetricsListener, type MetricsListener } from '../../http/index.js';
import type { Logger } from '../../observability/index.js';

/** A metrics listener on `host:port` serving the workers' metrics (Prometheus text format 0.0.4). */
export function aggregatedMetricsListener(options: { host: string; port: number; logger: Logger }): MetricsListener {
  const aggregator = new AggregatorRegistry();
  return createMetricsListener({
    ...options,
    metrics: {
      async render() {
        return { contentType: aggregator.contentType, body: await aggregator.clusterMetrics() };
      },
    },
  });
}
