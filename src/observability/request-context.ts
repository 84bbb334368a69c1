import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';

/**
 * What agentmesh knows about the request being served, available anywhere
 * below the HTTP handler without passing it down by hand.
 */
export interface RequestContext {
  /** The request id: the validated incoming `x-request-id`, else a UUID. */
  readonly reqId: string;
  /** W3C trace id (32 hex chars) when the request is traced or carried a `traceparent`. */
  readonly traceId?: string | undefined;
  /**
   * The OpenTelemetry context of the request (its server span, or the child
   * span context synthesised from an incoming `traceparent` when tracing is
   * off). Outbound calls read it to propagate the trace.
   */
  readonly otelContext?: Context | undefined;
}

/** The operations on the request context storage that callers need. */
export interface RequestContextStorage {
  /** Runs `fn` with `ctx` as the current request context (also for everything `fn` schedules). */
  run<R>(ctx: RequestContext, fn: () => R): R;
}

// The one exception to "no module-level singletons": the logger mixin and the
// HTTP server must see the same store, and an AsyncLocalStorage is only useful
// when shared. It holds no state of its own outside `run`.
const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The request-context storage. The HTTP server enters it for every request;
 * background work that acts on behalf of a request can enter it too.
 *
 * @example
 * import { requestContext, currentRequestContext } from '../observability/index.js';
 * requestContext.run({ reqId: 'job-42' }, () => {
 *   currentRequestContext()?.reqId; // 'job-42'
 * });
 */
export const requestContext: RequestContextStorage = Object.freeze({
  run<R>(ctx: RequestContext, fn: () => R): R {
    return storage.run(ctx, fn);
  },
});

/**
 * The context of the request being served, or `undefined` outside one.
 *
 * @example
 * const ctx = currentRequestContext();
 * if (ctx !== undefined) headers['x-request-id'] = ctx.reqId;
 */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
