import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { currentRequestContext } from './request-context.js';
import type { Tracing } from './tracing.js';

function headersOf(input: string | URL | Request, init: RequestInit | undefined): Headers {
  // fetch(request, { headers }) replaces the request's headers wholesale, so
  // start from them when the caller passed a Request and no init headers.
  return new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
}

function addTraceHeaders(tracing: Tracing, headers: Headers): void {
  if (headers.has('traceparent')) return; // the caller's own trace context wins
  const injected = tracing.injectTraceparent({});
  for (const [name, value] of Object.entries(injected)) headers.set(name, value);
}

/** Parent of the client span: the active span, else the current request's trace. */
function parentContext(): Context {
  const active = context.active();
  const sc = trace.getSpanContext(active);
  if (sc !== undefined && trace.isSpanContextValid(sc)) return active;
  return currentRequestContext()?.otelContext ?? active;
}

function urlOf(input: string | URL | Request): URL | undefined {
  try {
    return new URL(input instanceof Request ? input.url : input);
  } catch {
    return undefined;
  }
}

/**
 * `fetch` with W3C trace propagation (W3C Trace Context §3): adds `traceparent`
 * and `tracestate` for the active span or current request. With tracing on it
 * also records a CLIENT span around the call. Every outbound A2A call goes
 * through it; a `traceparent` the caller already set is kept.
 *
 * @example
 * import { tracedFetch } from '../observability/index.js';
 * const res = await tracedFetch(tracing, `${agentUrl}/message:send`, { method: 'POST', body });
 * // or hand it to a client that takes a fetch implementation:
 * const fetchImpl: typeof fetch = (input, init) => tracedFetch(tracing, input, init);
 */
export async function tracedFetch(tracing: Tracing, input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (!tracing.enabled) {
    const headers = headersOf(input, init);
    addTraceHeaders(tracing, headers);
    return fetch(input, { ...init, headers });
  }
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const url = urlOf(input);
  const attributes: Record<string, string> = { [ATTR_HTTP_REQUEST_METHOD]: method };
  if (url !== undefined) {
    // Never record credentials or the query string of an outbound URL.
    attributes[ATTR_URL_FULL] = `${url.origin}${url.pathname}`;
    attributes[ATTR_SERVER_ADDRESS] = url.hostname;
  }
  return tracing.startActiveSpan(method, { kind: SpanKind.CLIENT, attributes }, parentContext(), async (span) => {
    try {
      const headers = headersOf(input, init);
      addTraceHeaders(tracing, headers);
      const res = await fetch(input, { ...init, headers });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
      if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return res;
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
