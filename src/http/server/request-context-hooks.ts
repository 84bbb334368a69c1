import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import { context } from '@opentelemetry/api';
import type { FastifyInstance, FastifyServerOptions, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Errors } from '../../protocol/index.js';
import { lazyChildLogger, requestContext } from '../../observability/index.js';
import type { Logger, RequestContext, RequestSpan, Tracing } from '../../observability/index.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { ServerState } from '../lifecycle/server-state.js';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

const kSpan = Symbol('agentmesh.requestSpan');
const kScope = Symbol('agentmesh.asyncScope');

/** What a span is started from: node:http's request, or the llhttp front's plain one (exchange.ts). */
type RawRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers'> & { [kSpan]?: RequestSpan };
/** A request with its async scope: decorated null, set by the onRequest hook (typed optional: Fastify's types do not know the decoration). */
type ScopedRequest = FastifyRequest & { [kScope]?: AsyncResource | null };

/** Paths that keep answering while draining: probes and the scrape. */
const PROBE_PATHS = new Set(['/health', '/ready', '/metrics']);

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function spanOf(raw: RawRequest, tracing: Tracing): RequestSpan {
  let span = raw[kSpan];
  if (span === undefined) {
    span = tracing.startRequestSpan({ method: raw.method ?? 'GET', url: raw.url ?? '/', headers: raw.headers });
    raw[kSpan] = span;
  }
  return span;
}

/** The trace of a request, started by the child-logger factory or the first hook. */
export function requestSpanOf(request: { readonly raw: RawRequest }, tracing: Tracing): RequestSpan {
  return spanOf(request.raw, tracing);
}

/**
 * Fastify's child-logger factory is the first code that sees a request (before
 * its "incoming request" line), so the trace starts here: the request logger
 * then carries `traceId` on every line, including those Fastify writes
 * outside the request's async context ("request completed").
 */
export function traceAwareChildLoggerFactory(tracing: Tracing): ChildLoggerFactory {
  return function childLoggerFactory(logger, bindings, opts, rawReq) {
    const span = spanOf(rawReq, tracing);
    // Lazy: most requests write no line at the default level (observability/lazy-child-logger.ts).
    return lazyChildLogger(logger as Logger, span.traceId === undefined ? bindings : { ...bindings, traceId: span.traceId }, opts);
  };
}

/**
 * Root hooks that run every request inside the request context (reqId,
 * traceId, OTel context), echo `x-request-id`, set the security headers, and
 * turn new requests away while draining.
 */
export function installRequestContext(app: FastifyInstance, deps: { tracing: Tracing; state: ServerState; securityHeaders: boolean; asyncContext: boolean }): void {
  const { tracing, state, securityHeaders } = deps;
  const asyncContext = deps.asyncContext || tracing.enabled;
  app.decorateRequest(kScope, null);

  app.addHook('onRequest', function onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (securityHeaders) reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    const span = requestSpanOf(request, tracing);
    const ctx: RequestContext = { reqId: request.id, traceId: span.traceId, otelContext: span.context };
    if (!asyncContext) {
      // Same checks, no AsyncLocalStorage: the role carries request identity itself.
      if (state.draining && !PROBE_PATHS.has(pathOf(request.url))) {
        // Set here, not in an error handler: a role's own handler (the runtime's JSON-RPC
        // envelope) renders the 503, and the connection must close whoever renders it.
        reply.header('connection', 'close');
        done(Errors.shuttingDown({}));
        return;
      }
      done();
      return;
    }
    const enter = (): void => {
      requestContext.run(ctx, () => {
        // Body parsing resumes from socket events, outside this async context;
        // preValidation re-enters it through this resource (the pattern of
        // @fastify/request-context; nodejs/node#34430).
        const scoped: ScopedRequest = request;
        scoped[kScope] = new AsyncResource('agentmesh.request');
        if (state.draining && !PROBE_PATHS.has(pathOf(request.url))) {
          // Like Fastify's return503OnClosing (disabled so the body has our
          // shape): closing reaps only idle sockets, and requests keep arriving
          // on busy keep-alive connections; answer them at once so the load
          // balancer retries elsewhere, on a new connection.
          reply.header('connection', 'close');
          done(Errors.shuttingDown({}));
          return;
        }
        done();
      });
    };
    if (tracing.enabled) context.with(span.context, enter);
    else enter();
  });

  if (!asyncContext) return;
  app.addHook('preValidation', function preValidation(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const scoped: ScopedRequest = request;
    const scope = scoped[kScope];
    if (scope === null || scope === undefined) done();
    else scope.runInAsyncScope(done);
  });
}
