import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';
import { renderHttpError } from '../errors/render-http-error.js';

/** What a side listener's route answers. */
export interface SideAnswer {
  statusCode: number;
  contentType: string;
  body: string;
  /** More response headers (`vary`). */
  headers?: Record<string, string>;
}

/** A `GET` (and `HEAD`) route of a side listener, by exact path. */
export type SideRoute = (req: IncomingMessage) => SideAnswer | Promise<SideAnswer>;

/** Options of {@link createSideListener}. */
export interface SideListenerOptions {
  /** What it serves, for its log lines (`module`) and messages: `metrics`, `probes`. */
  module: string;
  /** Its routes by exact path; every other path or method is a 404. */
  routes: ReadonlyMap<string, SideRoute>;
  /** Interface to bind. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** The role's logger. */
  logger: Logger;
  /** Time to receive a request, ms. Default 10 s (10_000). */
  requestTimeoutMs?: number;
}

/** A plain HTTP listener apart from a role's public port. */
export interface SideListener {
  /** Binds; resolves with its origin (`http://127.0.0.1:4290`). */
  listen(): Promise<{ origin: string }>;
  /** The origin once listening. */
  readonly origin: string | undefined;
  /** Stops listening and closes open connections. Safe to call twice or before `listen`. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function hostForUrl(address: AddressInfo): string {
  // A wildcard bind answers on loopback too; print the address a local client can use.
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/**
 * A second, plain HTTP listener beside a role's public port, serving a few
 * fixed `GET` routes and nothing else: the metrics scrape
 * (`createMetricsListener`) and the kubelet's probes (`createProbeListener`)
 * are built on it. No Fastify, no TLS: what it serves must be reachable by
 * clients that hold no credential and no certificate, so it serves only
 * answers safe for them. Every other answer is the google.rpc.Status JSON of
 * every agentmesh error.
 */
export function createSideListener(options: SideListenerOptions): SideListener {
  const { routes, host, port } = options;
  const log = options.logger.child({ module: options.module });
  const served = [...routes.keys()].map((p) => `GET ${p}`).join(', ');
  let origin: string | undefined;
  let closing: Promise<void> | undefined;

  const sendError = (res: ServerResponse, reqId: string, err: unknown): void => {
    const { statusCode, body, internal, error } = renderHttpError(err, reqId);
    if (internal) log.error({ err: error.cause ?? error, reqId }, `${options.module} request failed`);
    res.writeHead(statusCode, { 'content-type': JSON_TYPE });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reqId = randomUUID();
    res.setHeader('x-request-id', reqId);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    const path = pathOf(req.url);
    const route = req.method === 'GET' || req.method === 'HEAD' ? routes.get(path) : undefined;
    if (route === undefined) {
      // The path only, bounded: a query string may carry a credential.
      const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
      sendError(res, reqId, Errors.routeNotServedHere({ method: req.method ?? 'GET', path: shown, served }));
      return;
    }
    Promise.resolve()
      .then(() => route(req))
      .then(
        ({ statusCode, contentType, body, headers }) => {
          res.writeHead(statusCode, { ...headers, 'content-type': contentType });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => sendError(res, reqId, err),
      );
  });
  server.requestTimeout = options.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);

  return {
    get origin() {
      return origin;
    },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => log.error({ err }, `${options.module} listener error`));
      const address = server.address() as AddressInfo;
      origin = `http://${hostForUrl(address)}:${address.port}`;
      return { origin };
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
