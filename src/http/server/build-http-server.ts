import { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createTracing, serializeRequest } from '../../observability/index.js';
import { clientErrorHandler, frameworkErrorHandler } from '../errors/client-errors.js';
import { installErrorHandling, sendHttpError } from '../errors/error-handling.js';
import { installHttpMetrics, UNMATCHED_ROUTE, type HttpRecorder } from './http-metrics.js';
import { dataPlaneServerFactory, loadFrontInternals } from './data-plane.js';
import { HTTP_SERVER_DEFAULTS, validateHttpServerOptions } from './http-server-options.js';
import type { HttpServerOptions } from './http-server-options.js';
import { ProbeAnswers, registerProbeRoutes } from '../probes/probes.js';
import { installRequestContext, traceAwareChildLoggerFactory } from './request-context-hooks.js';
import { requestIdOf } from './request-id.js';
import { sharedRouteValidators } from './route-validators.js';
import { CertificateReloader, readServerTls } from '../tls/server-tls.js';
import { ServerState } from '../lifecycle/server-state.js';
import { trackConnections } from '../lifecycle/silent-connections.js';
import { allowHalfOpen } from './half-open.js';

/**
 * Builds the Fastify app every agentmesh role starts from; never listens
 * (`agentmesh serve` does, tests use `app.inject()` or `listen({ port: 0 })`).
 *
 * It gives every request an id (a valid incoming `x-request-id`, else a UUID,
 * echoed on the response), runs it inside the request context so every log
 * line carries `reqId`/`traceId`, continues an incoming W3C `traceparent`,
 * sets API security headers, limits body size and time, renders every error
 * as google.rpc.Status JSON (A2A §11.6) — Fastify's own refusals before any
 * route (bad URL, over-long path segment) and Node's (URL or headers over the
 * limit, malformed HTTP, too slow) included — records HTTP metrics, and serves
 * `GET /health`, `GET /ready` and (unless `metricsRoute: false`, for a role
 * that serves them on `createMetricsListener`) `GET /metrics`. Draining (see `drain`,
 * `installGracefulShutdown`) turns `/ready` and new requests into 503s.
 * With `tls` it serves HTTPS, asks for (or requires) client certificates,
 * and reloads the certificate when its files change (`app.agentmesh.certificates`).
 *
 * Register routes after it returns; error handling set inside a route's own
 * plugin wins over the root one.
 *
 * @example
 * import { buildHttpServer, installGracefulShutdown } from '../http/index.js';
 * const app = buildHttpServer({
 *   name: 'registry', version: '0.1.0', logger, metrics, tracing,
 *   readiness: [{ name: 'storage', check: () => db.ping() }],
 * });
 * await app.register(registryRoutes, { registry });
 * installGracefulShutdown(app, { logger });
 * await app.listen({ port: 8080, host: '0.0.0.0' });
 */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  validateHttpServerOptions(options);
  const d = HTTP_SERVER_DEFAULTS;
  const requestTimeoutMs = options.requestTimeoutMs ?? d.requestTimeoutMs;
  const headersTimeoutMs = options.headersTimeoutMs ?? (requestTimeoutMs > 0 ? Math.min(d.headersTimeoutMs, requestTimeoutMs) : d.headersTimeoutMs);
  const checkingIntervalMs = Math.min(d.connectionsCheckingIntervalMs, Math.max(100, Math.floor(headersTimeoutMs / 2)));
  // Fastify's handler clock starts once the headers are in, so by default it
  // runs a check interval past the request deadline: a client still sending
  // its body is Node's 408, not a 503 from a handler that never got the body.
  const handlerTimeoutMs = options.handlerTimeoutMs ?? (requestTimeoutMs > 0 ? requestTimeoutMs + checkingIntervalMs : 0);
  const tracing = options.tracing ?? createTracing({ serviceName: options.name, logger: options.logger });
  const log = options.logger.child({ module: 'http' });
  const state = new ServerState({ name: options.name, version: options.version, log });

  // With `tls`, Fastify builds an https server from these options (its `http` ones are ignored then).
  const secure = options.tls === undefined ? undefined : readServerTls(options.tls);
  // `allowHalfOpen`: a TLS connection whose client half-closed stays open for its answers (node:http's own
  // server always asks it of its sockets; node:https's leaves it to these options). See allowHalfOpen below.
  // Not where client certificates are asked for: a client refused for want of one was then never closed
  // (the CLI waited for an answer that could not come), so there a FIN still ends the connection.
  const serverOptions = { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: checkingIntervalMs, allowHalfOpen: secure?.requestCert !== true };
  const securityHeaders = options.securityHeaders ?? d.securityHeaders;
  // Set once the metrics are installed, before any request can arrive.
  const unrouted: { record?: HttpRecorder } = {};
  // Our `req` serializer even on a logger not made by createLogger: request
  // lines never carry a credential from the query string (`?access_token=`).
  const requestLog = options.logger.child({}, { serializers: { req: serializeRequest } });
  const dataPlane = options.dataPlane;
  const serverFactory =
    dataPlane === undefined
      ? undefined
      : dataPlaneServerFactory(
          {
            route: dataPlane,
            state,
            log,
            requestLog,
            bodyLimitBytes: options.bodyLimitBytes ?? d.bodyLimitBytes,
            trustProxy: options.trustProxy ?? d.trustProxy,
            securityHeaders,
            tracing,
            asyncContext: options.asyncContext ?? true,
            record: (request, reply, route) => unrouted.record?.(request, reply, route),
          },
          { tls: secure, http: serverOptions, front: { server: options.dataPlaneServer ?? 'node', requestTimeoutMs, load: loadFrontInternals } },
        );
  // Given as the logger type `FastifyInstance` carries: Fastify types the app by its logger, and an
  // app typed by pino's `Logger` is not the `FastifyInstance` every route and plugin takes.
  const fastifyLog: FastifyBaseLogger = requestLog;
  const app = Fastify({
    loggerInstance: fastifyLog,
    genReqId: requestIdOf,
    childLoggerFactory: traceAwareChildLoggerFactory(tracing),
    bodyLimit: options.bodyLimitBytes ?? d.bodyLimitBytes,
    requestTimeout: requestTimeoutMs,
    // Node checks the header and request deadlines on this interval: its 30 s default would let a slow client stay that much longer.
    ...(secure === undefined ? { http: serverOptions } : { https: { ...secure, ...serverOptions } }),
    // With a data plane, the server is built here: its listener serves the plane's prefix and hands the rest to Fastify.
    ...(serverFactory !== undefined && { serverFactory }),
    // 0 = none: Fastify then skips its per-request AbortController and timer.
    ...(handlerTimeoutMs > 0 ? { handlerTimeout: handlerTimeoutMs } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? d.connectionTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
    trustProxy: options.trustProxy ?? d.trustProxy,
    // Refusals Fastify and Node make before any route answer in our JSON shape too, with a request id.
    frameworkErrors: frameworkErrorHandler({
      securityHeaders,
      send: (request, reply, err) => sendHttpError(request, reply, err, state),
      sent: (request, reply) => unrouted.record?.(request, reply, UNMATCHED_ROUTE),
      fallback: options.unroutedFallback,
    }),
    clientErrorHandler: clientErrorHandler({ log, securityHeaders }),
    ...(options.maxParamLength !== undefined && { routerOptions: { maxParamLength: options.maxParamLength } }),
    // Our onRequest hook answers requests that arrive while draining with a
    // 503 in our JSON shape (Fastify's fast path would send its own body).
    return503OnClosing: false,
    // Each route schema compiled once per process, not once per app (route-validators.ts says why).
    schemaController: { compilersFactory: { buildValidator: sharedRouteValidators } },
  });

  app.decorate('agentmesh', state);
  // For the drain: connections that never carry a request would hold it to its deadline.
  trackConnections(app.server);
  // A client that half-closes after its requests gets their answers (ADR 0069): set before the server
  // listens (`listen` runs the ready hooks first), once node:http's switch has passed its check.
  if ((options.halfClose ?? 'answer') === 'answer') app.addHook('onReady', () => allowHalfOpen(app.server, log));
  if (secure !== undefined && options.tls !== undefined) {
    // The data plane's server factory made an https server for these settings.
    const server = app.server;
    if (!(server instanceof HttpsServer)) throw new TypeError('TLS is configured but the server Fastify was given is not an https server');
    // A connection keeps the client certificate of its handshake: tokens bound
    // to one (RFC 8705) are checked against it, cached per socket.
    server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
    // Refused handshakes (no client certificate, an unknown CA) never reach HTTP: count them, or an mTLS misconfiguration is invisible.
    const refused = options.metrics.counter('agentmesh_http_tls_handshake_failures_total', 'TLS handshakes that failed before any HTTP was read (mutual TLS refusals included)', ['role']).labels({ role: options.name });
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
      refused.inc();
      log.debug({ err: { code: err.code, message: err.message } }, 'TLS handshake failed');
    });
    const reloader = new CertificateReloader({ server, settings: options.tls, initial: secure, logger: log });
    state.certificates = reloader;
    reloader.start();
    app.addHook('onClose', (_instance, done) => {
      reloader.close();
      done();
    });
  }
  // A direct app.close() (not through drain()) also fails /ready and turns new requests away.
  app.addHook('preClose', (done) => {
    state.markDraining();
    done();
  });
  installRequestContext(app, { tracing, state, securityHeaders, asyncContext: options.asyncContext ?? true });
  unrouted.record = installHttpMetrics(app, { role: options.name, metrics: options.metrics, tracing });
  installErrorHandling(app, { state });
  state.probes = new ProbeAnswers({ state, readiness: options.readiness ?? [], readinessTimeoutMs: options.readinessTimeoutMs ?? d.readinessTimeoutMs });
  registerProbeRoutes(app, { probes: state.probes, metrics: options.metricsRoute === false ? undefined : options.metrics });
  return app;
}
