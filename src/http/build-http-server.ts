import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createTracing } from '../observability/index.js';
import { installErrorHandling } from './error-handling.js';
import { installHttpMetrics } from './http-metrics.js';
import { HTTP_SERVER_DEFAULTS, validateHttpServerOptions } from './http-server-options.js';
import type { HttpServerOptions } from './http-server-options.js';
import { registerProbeRoutes } from './probes.js';
import { installRequestContext, traceAwareChildLoggerFactory } from './request-context-hooks.js';
import { requestIdOf } from './request-id.js';
import { ServerState } from './server-state.js';

/**
 * Builds the Fastify app every agentmesh role starts from; never listens
 * (`agentmesh serve` does, tests use `app.inject()` or `listen({ port: 0 })`).
 *
 * It gives every request an id (a valid incoming `x-request-id`, else a UUID,
 * echoed on the response), runs it inside the request context so every log
 * line carries `reqId`/`traceId`, continues an incoming W3C `traceparent`,
 * sets API security headers, limits body size and time, renders every error
 * as google.rpc.Status JSON (A2A §11.6), records HTTP metrics, and serves
 * `GET /health`, `GET /ready` and `GET /metrics`. Draining (see `drain`,
 * `installGracefulShutdown`) turns `/ready` and new requests into 503s.
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
  const tracing = options.tracing ?? createTracing({ serviceName: options.name, logger: options.logger });
  const log = options.logger.child({ module: 'http' });
  const state = new ServerState({ name: options.name, version: options.version, log });

  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestIdOf,
    childLoggerFactory: traceAwareChildLoggerFactory(tracing),
    bodyLimit: options.bodyLimitBytes ?? d.bodyLimitBytes,
    requestTimeout: requestTimeoutMs,
    // 0 = none: Fastify then skips its per-request AbortController and timer.
    ...((options.handlerTimeoutMs ?? requestTimeoutMs) > 0 ? { handlerTimeout: options.handlerTimeoutMs ?? requestTimeoutMs } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? d.connectionTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
    trustProxy: options.trustProxy ?? d.trustProxy,
    // Our onRequest hook answers requests that arrive while draining with a
    // 503 in our JSON shape (Fastify's fast path would send its own body).
    return503OnClosing: false,
  }) as unknown as FastifyInstance;

  app.decorate('agentmesh', state);
  // A direct app.close() (not through drain()) also fails /ready and turns new requests away.
  app.addHook('preClose', (done) => {
    state.markDraining();
    done();
  });
  installRequestContext(app, { tracing, state, securityHeaders: options.securityHeaders ?? d.securityHeaders, asyncContext: options.asyncContext ?? true });
  installHttpMetrics(app, { role: options.name, metrics: options.metrics, tracing });
  installErrorHandling(app, { state });
  registerProbeRoutes(app, {
    state,
    metrics: options.metrics,
    readiness: options.readiness ?? [],
    readinessTimeoutMs: options.readinessTimeoutMs ?? d.readinessTimeoutMs,
  });
  return app;
}
