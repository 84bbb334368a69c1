import type { Logger, Metrics, Tracing } from '../observability/index.js';

/** A dependency `/ready` waits for: resolves when usable, rejects (with a reason) when not. */
export interface ReadinessCheck {
  /** Key in the `/ready` body (`storage`, `bus`, …). */
  name: string;
  /** Resolves when the dependency is usable. Bounded by `readinessTimeoutMs`. */
  check: () => Promise<void>;
}

/** Options of `buildHttpServer`. Durations are milliseconds, sizes bytes. */
export interface HttpServerOptions {
  /** Role name (`gateway`, `registry`, …): in `/health` and the `role` label of HTTP metrics. */
  name: string;
  /** Version reported by `/health`. */
  version: string;
  /** Root logger; every request gets a child with `reqId` (and `traceId`). */
  logger: Logger;
  /** Metrics registry rendered at `/metrics`; the HTTP metrics are added to it. */
  metrics: Metrics;
  /** Tracing; absent means a disabled one (incoming `traceparent` still continued). */
  tracing?: Tracing;
  /** Largest accepted request body. Default 1 MiB (1_048_576). Larger bodies get 413. */
  bodyLimitBytes?: number;
  /**
   * Time to receive a whole request (Node `server.requestTimeout`) and to start
   * answering it (Fastify `handlerTimeout`, 503 AM_ERR_HTTP_TIMEOUT). Streaming
   * responses are unaffected once their headers are sent; a route may set its
   * own `handlerTimeout`. Default 30 s (30_000).
   */
  requestTimeoutMs?: number;
  /**
   * Time a handler may take before Fastify answers 503 (`handlerTimeout`).
   * Default: `requestTimeoutMs`. 0 turns it off: roles whose calls carry their
   * own deadlines (the A2A runtime) save a timer, an AbortController and a
   * DOMException per request.
   */
  handlerTimeoutMs?: number;
  /**
   * Socket inactivity timeout (Node `server.timeout`). Default 0 (none): SSE
   * streams may be quiet for long, and the request/keep-alive timeouts
   * already bound idle and slow clients.
   */
  connectionTimeoutMs?: number;
  /** Idle keep-alive socket lifetime. Default 72 s (72_000), longer than common LB idle timeouts (60 s). */
  keepAliveTimeoutMs?: number;
  /** Readiness checks run by `/ready`, in parallel. Default none. */
  readiness?: ReadinessCheck[];
  /** Per-check timeout of `/ready`. Default 2 s (2_000). */
  readinessTimeoutMs?: number;
  /** Trust `X-Forwarded-*` from the proxy in front (for `request.ip`, protocol). Default false. */
  trustProxy?: boolean;
  /**
   * Run each request inside the AsyncLocalStorage request context, so any log
   * line written while serving it carries `reqId`/`traceId` and outbound
   * calls inherit its trace. Default true. On Node 20 an active
   * AsyncLocalStorage adds a hook to every promise (10–15% of a runtime
   * request); a role that carries request identity explicitly may turn it
   * off. With tracing enabled the context is always entered, so spans nest.
   */
  asyncContext?: boolean;
  /** Send API security headers (HSTS, nosniff, DENY framing, no-referrer, CSP `default-src 'none'`). Default true. */
  securityHeaders?: boolean;
}

/** The defaults of {@link HttpServerOptions}, each with its unit. */
export const HTTP_SERVER_DEFAULTS = Object.freeze({
  /** 1 MiB */
  bodyLimitBytes: 1_048_576,
  /** 30 seconds */
  requestTimeoutMs: 30_000,
  /** none */
  connectionTimeoutMs: 0,
  /** 72 seconds */
  keepAliveTimeoutMs: 72_000,
  /** 2 seconds */
  readinessTimeoutMs: 2_000,
  trustProxy: false,
  securityHeaders: true,
});

function nonNegativeInteger(options: HttpServerOptions, key: keyof typeof HTTP_SERVER_DEFAULTS | 'handlerTimeoutMs'): void {
  const value = options[key];
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
    throw new TypeError(`"${key}" option must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
}

/** Checks the options once, where they enter; messages name the option. */
export function validateHttpServerOptions(options: HttpServerOptions): void {
  if (typeof options.name !== 'string' || options.name === '') throw new TypeError('"name" option must be a non-empty string');
  if (typeof options.version !== 'string') throw new TypeError('"version" option must be a string');
  if (options.logger === undefined) throw new TypeError('"logger" option is required');
  if (options.metrics === undefined) throw new TypeError('"metrics" option is required');
  for (const key of ['bodyLimitBytes', 'requestTimeoutMs', 'handlerTimeoutMs', 'connectionTimeoutMs', 'keepAliveTimeoutMs', 'readinessTimeoutMs'] as const) {
    nonNegativeInteger(options, key);
  }
  if (options.bodyLimitBytes === 0) throw new TypeError('"bodyLimitBytes" option must be a positive integer');
  const seen = new Set<string>();
  for (const check of options.readiness ?? []) {
    if (typeof check.name !== 'string' || check.name === '' || typeof check.check !== 'function') {
      throw new TypeError('"readiness" option entries must be { name: string, check: () => Promise<void> }');
    }
    if (seen.has(check.name)) throw new TypeError(`"readiness" option has two checks named ${JSON.stringify(check.name)}`);
    seen.add(check.name);
  }
}
