import type { Metrics } from '../../observability/index.js';
import { createSideListener, type SideListenerOptions, type SideRoute } from './side-listener.js';

/**
 * Options of {@link createMetricsListener}: what it serves, and where it
 * listens as any side listener does (`host`: keep it private, 127.0.0.1 or a
 * pod IP no ingress publishes; its log lines are tagged `module: "metrics"`).
 */
export interface MetricsListenerOptions extends Pick<SideListenerOptions, 'host' | 'port' | 'logger' | 'requestTimeoutMs'> {
  /** The registry to serve (the role's own, or anything that renders an exposition: a cluster primary's aggregate). */
  metrics: Pick<Metrics, 'render'>;
}

/** A started-on-demand listener that serves only `GET /metrics`. */
export interface MetricsListener {
  /** Binds; resolves with the scrape URL (`http://127.0.0.1:4290/metrics`). */
  listen(): Promise<{ url: string }>;
  /** The scrape URL once listening. */
  readonly url: string | undefined;
  /** Stops listening and closes open scrape connections. Safe to call twice or before `listen`. */
  close(): Promise<void>;
}

/**
 * A second HTTP listener, apart from a role's public port, that serves the
 * role's Prometheus metrics at `GET /metrics` and nothing else (a
 * `createSideListener`). Metrics can name tenants (the gateway's ledger
 * series), so a role whose public port faces clients serves them here, on a
 * private address, and builds its app with
 * `buildHttpServer({ metricsRoute: false })`. Every answer other than a
 * scrape is the google.rpc.Status JSON of every agentmesh error.
 *
 * Like `buildHttpServer`, creating it does not listen: the role's `listen()`
 * calls {@link MetricsListener.listen}, its `close()` the listener's.
 *
 * @example
 * import { buildHttpServer, createMetricsListener } from '../http/index.js';
 * const app = buildHttpServer({ name: 'gateway', version, logger, metrics, metricsRoute: false });
 * const scrape = createMetricsListener({ metrics, host: '127.0.0.1', port: 4290, logger });
 * const { url } = await scrape.listen(); // http://127.0.0.1:4290/metrics
 * await scrape.close();
 */
export function createMetricsListener(options: MetricsListenerOptions): MetricsListener {
  const { metrics } = options;
  const routes = new Map<string, SideRoute>([
    [
      '/metrics',
      async (req) => {
        const { contentType, body } = await metrics.render(req.headers.accept);
        return { statusCode: 200, contentType, body, headers: { vary: 'accept' } };
      },
    ],
  ]);
  const listener = createSideListener({ module: 'metrics', routes, host: options.host, port: options.port, logger: options.logger, ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }) });
  const log = options.logger.child({ module: 'metrics' });
  let url: string | undefined;
  return {
    get url() {
      return url;
    },
    async listen() {
      const { origin } = await listener.listen();
      url = `${origin}/metrics`;
      log.info({ url }, 'metrics listening');
      return { url };
    },
    close: () => listener.close(),
  };
}
