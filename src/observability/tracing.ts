import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
} from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createRequire } from 'node:module';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';
import type * as ExporterOtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { GEN_AI_LATEST_EXPERIMENTAL } from './gen-ai.js';
import type { Logger } from './logger.js';
import { currentRequestContext } from './request-context.js';

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** `service.name` of exported spans (e.g. `agentmesh-gateway`). */
  serviceName: string;
  /**
   * OTLP/HTTP collector base URL (what `OTEL_EXPORTER_OTLP_ENDPOINT` holds, e.g.
   * `http://otel-collector:4318`); `/v1/traces` is appended unless present.
   * Absent: tracing is a no-op, but incoming trace context is still propagated.
   */
  otlpEndpoint?: string | undefined;
  /** Parent logger; tracing logs under `{ component: 'tracing' }`. */
  logger: Logger;
  /**
   * What `OTEL_SEMCONV_STABILITY_OPT_IN` holds, as a list: with
   * `gen_ai_latest_experimental`, agent calls are traced with OpenTelemetry's
   * GenAI conventions (`invoke_agent {agent}` spans, `gen_ai.*` attributes).
   */
  semconvStabilityOptIn?: readonly string[] | undefined;
}

/** The trace of one incoming request, as started by {@link Tracing.startRequestSpan}. */
export interface RequestSpan {
  /** OpenTelemetry context holding the request's span; `ROOT_CONTEXT` when untraced. */
  readonly context: Context;
  /** Trace id of the request, when there is one. */
  readonly traceId: string | undefined;
  /** True when this request's span is recorded and exported (a trace an exemplar may point at). */
  readonly sampled: boolean;
  /** Ends the span with the outcome; a no-op when tracing is off. */
  end(outcome: { statusCode: number; route: string }): void;
}

/** The tracing handle of a process. */
export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /**
   * True when spans are exported and the GenAI conventions were opted into
   * (`gen_ai_latest_experimental`): agent calls are `invoke_agent` spans
   * (observability/gen-ai.ts, docs/observability.md#genai-spans).
   */
  readonly genAi: boolean;
  /** The tracer (a no-op tracer when disabled). */
  readonly tracer: Tracer;
  /** `tracer.startActiveSpan`, bound: runs a callback with a new span active. */
  readonly startActiveSpan: Tracer['startActiveSpan'];
  /**
   * Returns a copy of `headers` with W3C `traceparent` (and `tracestate`) for
   * the active span, or for the current request when no span is active
   * (W3C Trace Context §3). Headers already present are kept.
   */
  injectTraceparent(headers: Readonly<Record<string, string>>): Record<string, string>;
  /**
   * Starts the server span of an incoming request, continuing an incoming
   * `traceparent`. With tracing off, a request that carried a `traceparent`
   * gets a child span context (same trace id, new span id) so traces connect
   * through agentmesh even when it exports nothing. Used by `http/`.
   */
  startRequestSpan(request: { method: string; url: string; headers: IncomingHttpHeaders }): RequestSpan;
  /** Flushes pending spans and stops exporting. Idempotent. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

const UNTRACED: RequestSpan = Object.freeze({
  context: ROOT_CONTEXT,
  traceId: undefined,
  sampled: false,
  end(): void {},
});

/** A span id per W3C Trace Context §3.2.2.4: 8 random bytes, not all zero. */
function newSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

function pathOf(url: string): string {
  // The query string may carry secrets; spans get the path only.
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

class OtelTracing implements Tracing {
  readonly enabled: boolean;
  readonly genAi: boolean;
  readonly tracer: Tracer;
  readonly startActiveSpan: Tracer['startActiveSpan'];
  readonly #provider: SdkTraceNode.NodeTracerProvider | undefined;
  readonly #log: Logger;
  #shutdown: Promise<void> | undefined;

  constructor(tracer: Tracer, provider: SdkTraceNode.NodeTracerProvider | undefined, log: Logger, genAi = false) {
    this.enabled = provider !== undefined;
    this.genAi = this.enabled && genAi;
    this.tracer = tracer;
    this.startActiveSpan = tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'];
    this.#provider = provider;
    this.#log = log;
  }

  injectTraceparent(headers: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = { ...headers };
    if (out.traceparent !== undefined) return out;
    const ctx = this.#propagationContext();
    if (ctx !== undefined) propagator.inject(ctx, out, defaultTextMapSetter);
    return out;
  }

  startRequestSpan(request: { method: string; url: string; headers: IncomingHttpHeaders }): RequestSpan {
    const incoming = request.headers.traceparent !== undefined;
    if (!this.enabled) {
      // Hot path: untraced requests allocate nothing here.
      if (!incoming) return UNTRACED;
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
      const sc = trace.getSpanContext(parent);
      if (sc === undefined || !trace.isSpanContextValid(sc)) return UNTRACED;
      const child = trace.wrapSpanContext({
        traceId: sc.traceId,
        spanId: newSpanId(),
        traceFlags: sc.traceFlags,
        ...(sc.traceState === undefined ? {} : { traceState: sc.traceState }),
      });
      return { context: trace.setSpan(parent, child), traceId: sc.traceId, sampled: false, end: UNTRACED.end };
    }
    const parent = incoming ? propagator.extract(context.active(), request.headers, defaultTextMapGetter) : context.active();
    const span = this.tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: pathOf(request.url) },
      },
      parent,
    );
    return new ServerSpan(span, trace.setSpan(parent, span), request.method);
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      if (this.#provider === undefined) return;
      try {
        await this.#provider.shutdown();
      } catch (err) {
        this.#log.warn({ err }, 'flushing spans at shutdown failed');
      }
    })();
    return this.#shutdown;
  }

  /** The active span's context, else the current request's. */
  #propagationContext(): Context | undefined {
    const active = context.active();
    const sc = trace.getSpanContext(active);
    if (sc !== undefined && trace.isSpanContextValid(sc)) return active;
    return currentRequestContext()?.otelContext;
  }
}

class ServerSpan implements RequestSpan {
  readonly context: Context;
  readonly traceId: string;
  readonly sampled: boolean;
  readonly #span: Span;
  readonly #method: string;

  constructor(span: Span, ctx: Context, method: string) {
    this.#span = span;
    this.context = ctx;
    this.traceId = span.spanContext().traceId;
    this.sampled = span.isRecording();
    this.#method = method;
  }

  end(outcome: { statusCode: number; route: string }): void {
    const span = this.#span;
    // The route pattern is known only after routing (OTel HTTP semconv: span name `{method} {http.route}`).
    span.updateName(`${this.#method} ${outcome.route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, outcome.route);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.statusCode);
    if (outcome.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/**
 * Sets up OpenTelemetry tracing. A no-op unless `otlpEndpoint` is given; then
 * spans go through a batch processor to an OTLP/HTTP collector. Either way,
 * incoming `traceparent`s are continued and outbound calls made through
 * {@link tracedFetch} carry one.
 *
 * Only the AsyncLocalStorage context manager is installed globally (it is what
 * makes `startActiveSpan` follow async code, and there is one per process); the
 * tracer provider is not registered as the global one, so two apps in one
 * process each keep their own.
 *
 * @example
 * import { createTracing } from '../observability/index.js';
 * const tracing = createTracing({ serviceName: 'agentmesh-gateway', otlpEndpoint: config.otlpEndpoint, logger });
 * await tracing.startActiveSpan('route', async (span) => { try { … } finally { span.end(); } });
 * await tracing.shutdown();
 */
export function createTracing(options: TracingOptions): Tracing {
  const { serviceName, otlpEndpoint, logger } = options;
  const log = logger.child({ module: 'tracing' });
  if (otlpEndpoint === undefined || otlpEndpoint === '') {
    // A private proxy provider with no delegate yields the API's no-op tracer,
    // whatever may have been registered globally by someone else.
    return new OtelTracing(new ProxyTracerProvider().getTracer('agentmesh'), undefined, log);
  }
  let url: string;
  try {
    url = tracesUrl(new URL(otlpEndpoint).href);
  } catch {
    throw new TypeError(`"otlpEndpoint" option must be an absolute URL, got ${JSON.stringify(otlpEndpoint)}`);
  }
  // The SDK and exporter load only when export is on: the default process stays small.
  const load = createRequire(import.meta.url);
  const { BatchSpanProcessor, NodeTracerProvider } = load('@opentelemetry/sdk-trace-node') as typeof SdkTraceNode;
  const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as typeof ExporterOtlpHttp;
  const { resourceFromAttributes } = load('@opentelemetry/resources') as typeof Resources;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // Returns false when a context manager is already installed (another app in
  // this process did it): that one serves us equally well.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const genAi = options.semconvStabilityOptIn?.includes(GEN_AI_LATEST_EXPERIMENTAL) ?? false;
  log.info({ url, ...(genAi && { conventions: GEN_AI_LATEST_EXPERIMENTAL }) }, 'tracing enabled');
  return new OtelTracing(provider.getTracer('agentmesh'), provider, log, genAi);
}

