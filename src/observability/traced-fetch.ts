import { ROOT_CONTEXT, context, defaultTextMapGetter, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { inHttpClientSpan } from './http-client-span.js';
import { currentRequestContext } from './request-context.js';
import { ATTR_A2A_AGENT } from './span-attributes.js';
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

const propagator = new W3CTraceContextPropagator();

// Still "development" in the HTTP conventions, so not in the stable entry point; OTel advises copying such names.
const ATTR_URL_TEMPLATE = 'url.template';

/**
 * Parent of the client span: the active span (the work making the call, e.g.
 * a skill's span), else the `traceparent` the caller set (a call made on
 * behalf of a request whose context is not active here), else the current
 * request's trace.
 */
function parentContext(headers: Headers): Context {
  const active = context.active();
  const sc = trace.getSpanContext(active);
  if (sc !== undefined && trace.isSpanContextValid(sc)) return active;
  const given = headers.get('traceparent');
  if (given !== null) {
    const carrier: Record<string, string> = { traceparent: given };
    const state = headers.get('tracestate');
    if (state !== null) carrier.tracestate = state;
    const extracted = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const esc = trace.getSpanContext(extracted);
    if (esc !== undefined && trace.isSpanContextValid(esc)) return extracted;
  }
  return currentRequestContext()?.otelContext ?? active;
}

/**
 * The low-cardinality template of an agentmesh A2A path (OTel `url.template`):
 * `/agents/{name}`, `/agents/{name}/message:send`, `/agents/{name}/tasks/{id}`…
 * Undefined for any other path: the span is then named by its method alone,
 * as the HTTP semantic conventions ask when no template is known.
 */
export function a2aUrlTemplate(pathname: string): { template: string; agent: string } | undefined {
  const m = /^(.*?)\/agents\/([^/]+)((?:\/[^/]*)*)$/.exec(pathname);
  if (m === null) return undefined;
  const rest = m[3]!
    .replace(/^\/tasks\/[^/:]+/, '/tasks/{id}')
    .replace(/\/pushNotificationConfigs\/[^/]+$/, '/pushNotificationConfigs/{configId}');
  // `/agents/x/` and `/agents/x` are one endpoint (the JSON-RPC binding): one name.
  return { template: rest === '/' ? '/agents/{name}' : `/agents/{name}${rest}`, agent: decodeURIComponent(m[2]!) };
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
 * also records a CLIENT span around the call, named `POST /agents/{name}…`
 * for agentmesh A2A URLs (else by its method), and the called service gets
 * that span as its parent; a `traceparent` the caller set then only picks the
 * span's parent when no span is active. With tracing off, a `traceparent` the
 * caller set is sent as is. Every outbound A2A call goes through it.
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
  let name = method;
  if (url !== undefined) {
    // Never record credentials or the query string of an outbound URL.
    attributes[ATTR_URL_FULL] = `${url.origin}${url.pathname}`;
    attributes[ATTR_SERVER_ADDRESS] = url.hostname;
    const a2a = a2aUrlTemplate(url.pathname);
    if (a2a !== undefined) {
      attributes[ATTR_URL_TEMPLATE] = a2a.template;
      attributes[ATTR_A2A_AGENT] = a2a.agent;
      name = `${method} ${a2a.template}`;
    }
  }
  const headers = headersOf(input, init);
  const parent = parentContext(headers);
  return inHttpClientSpan(
    tracing,
    name,
    attributes,
    parent,
    async () => {
      // The called service's parent is this span, whatever traceparent the caller set (it is this span's ancestor).
      headers.delete('traceparent');
      headers.delete('tracestate');
      addTraceHeaders(tracing, headers);
      return fetch(input, { ...init, headers });
    },
    (res) => res.status,
  );
}
