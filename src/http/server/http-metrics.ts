import type { ExchangeIncoming } from './exchange.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import { boundCounter, boundHistogram, type Metrics, type Tracing } from '../../observability/index.js';
import { requestSpanOf } from './request-context-hooks.js';

/** Route label of requests no route matched (bounded, unlike the raw URL). */
export const UNMATCHED_ROUTE = '__not_found__';

/** Latency buckets in seconds: API calls, from 5 ms to the 30 s request timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const kRecorder = Symbol('agentmesh.httpMetricsHook');

type ResponseHook = ((request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void) & { [kRecorder]?: true };

/**
 * Records `agentmesh_http_requests_total{role,method,route,status}` and
 * `agentmesh_http_request_duration_seconds{role,method,route}`, and ends the
 * request's span. Returns the recorder of requests no route or hook saw
 * (the router's own refusals), counted as unmatched.
 *
 * The route label is the route pattern, fixed when the route is registered:
 * an `onRoute` hook gives each route its own onResponse closure holding its
 * label, so the per-request path reads no route options (Fastify's
 * `request.routeOptions` builds a new object on each access); the
 * label-bound children are cached per (route, method, status), so after a
 * combination's first answer it allocates no label object either.
 */
/** What recording reads of a request and its reply: Fastify's, or the data plane's (data-plane.ts). */
export interface RecordedRequest {
  readonly method: string;
  readonly raw: ExchangeIncoming;
}
export interface RecordedReply {
  readonly statusCode: number;
  /** Milliseconds since the request arrived. */
  readonly elapsedTime: number;
}

/** Records an answered request under a route label. */
export type HttpRecorder = (request: RecordedRequest, reply: RecordedReply, route: string) => void;

export function installHttpMetrics(app: FastifyInstance, deps: { role: string; metrics: Metrics; tracing: Tracing }): HttpRecorder {
  const { role, metrics, tracing } = deps;
  const requests: Counter<string> = metrics.counter(
    'agentmesh_http_requests_total',
    'HTTP requests answered, by role, method, route pattern and status.',
    ['role', 'method', 'route', 'status'],
  );
  const duration: Histogram<string> = metrics.histogram(
    'agentmesh_http_request_duration_seconds',
    'Time from receiving a request to the end of its response, by role, method and route pattern.',
    ['role', 'method', 'route'],
    DURATION_BUCKETS,
    // With spans exported, a bucket's exemplar names a trace that landed in it (OpenMetrics scrapes).
    tracing.enabled,
  );

  // Bound series, one per (route, method, status): prom-client would hash the
  // labels on every request, even through a `labels()` child (bound-series.ts).
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const record: HttpRecorder = (request, reply, route) => {
    const method = request.method;
    const status = reply.statusCode;
    const key = `${route} ${method} ${status}`;
    let child = children.get(key);
    if (child === undefined) {
      child = { count: boundCounter(requests, { role, method, route, status }), time: boundHistogram(duration, { role, method, route }) };
      children.set(key, child);
    }
    child.count.inc();
    const span = requestSpanOf(request, tracing);
    const seconds = reply.elapsedTime / 1000;
    if (span.sampled) duration.observe({ labels: { role, method, route }, value: seconds, exemplarLabels: { trace_id: span.traceId! } });
    else child.time.observe(seconds);
    span.end({ statusCode: status, route });
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    // Fastify copies a GET route's options into its automatic HEAD route; keep one recorder.
    if (existing.some((hook) => kRecorder in hook && hook[kRecorder] === true)) return;
    const label = route.url;
    const hook: ResponseHook = (request, reply, done) => {
      record(request, reply, label);
      done();
    };
    hook[kRecorder] = true;
    route.onResponse = [...existing, hook];
  });

  // No route, no per-route hook: 404s are recorded here under one label.
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (request.is404) record(request, reply, UNMATCHED_ROUTE);
    done();
  });
  // Refusals of the router itself (frameworkErrors) run no hook at all: their handler records them (UNMATCHED_ROUTE).
  return record;
}
