import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Metrics } from '../observability/index.js';
import { AgentmeshError, ErrorCodes } from '../protocol/index.js';
import { renderHttpError } from './render-http-error.js';

/** Options of {@link createMetricsListener}. */
export interface MetricsListenerOptions {
  /** The registry to serve (the role's own). */
  metrics: Metrics;
  /** Interface to bind. Keep it private (127.0.0.1, a pod IP no ingress publishes). */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** The role's logger; lines are tagged `module: "metrics"`. */
  logger: Logger;
  /** Time to receive a scrape request, ms. Default 10 s (10_000). */
  requestTimeoutMs?: number;
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

const JSON_TYPE = 'application/json; charset=utf-8';

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function hostForUrl(address: AddressInfo): string {
  // A wildcard bind answers on loopback too; print the address a local scrape can use.
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/**
 * A second HTTP listener, apart from a role's public port, that serves the
 * role's Prometheus metrics at `GET /metrics` and nothing else. Metrics can
 * name tenants (the gateway's ledger series), so a role whose public port
 * faces clients serves them here, on a private address, and builds its app
 * with `buildHttpServer({ metricsRoute: false })`. Every answer other than a
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
  const { metrics, host, port } = options;
  const log = options.logger.child({ module: 'metrics' });
  let url: string | undefined;
  let closing: Promise<void> | undefined;

  const sendError = (res: ServerResponse, reqId: string, err: unknown): void => {
    const { statusCode, body, internal, error } = renderHttpError(err, reqId);
    if (internal) log.error({ err: error.cause ?? error, reqId }, 'metrics scrape failed');
    res.writeHead(statusCode, { 'content-type': JSON_TYPE });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reqId = randomUUID();
    res.setHeader('x-request-id', reqId);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    const path = pathOf(req.url);
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      // The path only, bounded: a query string may carry a credential.
      const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
      sendError(res, reqId, new AgentmeshError(ErrorCodes.HTTP_NOT_FOUND, `Route ${req.method ?? 'GET'} ${shown} not found: this listener serves only GET /metrics`));
      return;
    }
    metrics.render(req.headers.accept).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, vary: 'accept' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => sendError(res, reqId, err),
    );
  });
  server.requestTimeout = options.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);

  return {
    get url() {
      return url;
    },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => log.error({ err }, 'metrics listener error'));
      url = `http://${hostForUrl(server.address() as AddressInfo)}:${(server.address() as AddressInfo).port}/metrics`;
      log.info({ url }, 'metrics listening');
      return { url };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
