import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger, Metrics, Tracing } from '../../observability/index.js';
import type { ServerTlsSettings } from '../tls/tls-settings.js';
import type { ReadinessCheck } from '../probes/probes.js';
import type { DataPlaneRoute, DataPlaneServer } from './data-plane.js';

/** Options of `buildHttpServer`. Durations are milliseconds, sizes bytes. */
/** See {@link HttpServerOptions.unroutedFallback}. */
export interface UnroutedFallback {
  prefix: string;
  handle?: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined;
}

export interface HttpServerOptions {
  /** Role name (`gateway`, `registry`, …): in `/health` and the `role` label of HTTP metrics. */
  name: string;
  /** Version reported by `/health`. */
  version: string;
  /** Root logger; every request gets a child with `reqId` (and `traceId`). */
  logger: Logger;
  /** Metrics registry rendered at `/metrics` (see `metricsRoute`); the HTTP metrics are added to it. */
  metrics: Metrics;
  /**
   * Serve `GET /metrics` on this server. Default true. A role whose metrics
   * name tenants or whose port is public (the gateway) sets false and serves
   * them with `createMetricsListener` on a private address instead.
   */
  metricsRoute?: boolean;
  /** Tracing; absent means a disabled one (incoming `traceparent` still continued). */
  tracing?: Tracing;
  /** Largest accepted request body. Default 1 MiB (1_048_576). Larger bodies get 413. */
  bodyLimitBytes?: number;
  /**
   * Time to receive a request's headers (Node `server.headersTimeout`); a
   * client trickling them in gets 408 AM_ERR_HTTP_REQUEST_TIMEOUT. Default
   * 10 s (10_000), or `requestTimeoutMs` when that is shorter. At most
   * `requestTimeoutMs`.
   */
  headersTimeoutMs?: number;
  /**
   * Time to receive a whole request (Node `server.requestTimeout`) and to start
   * answering it (Fastify `handlerTimeout`, 503 AM_ERR_HTTP_TIMEOUT). Streaming
   * responses are unaffected once their headers are sent; a route may set its
   * own `handlerTimeout`. Default 30 s (30_000).
   */
  requestTimeoutMs?: number;
  /**
   * Time a handler may take before Fastify answers 503 (`handlerTimeout`),
   * counted from the end of the headers. Default: `requestTimeoutMs` plus
   * Node's deadline check interval (so a slow body is a 408, not a 503). 0 turns it off: roles whose calls carry their
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
  /**
   * What a client's half-close (a FIN after its requests, as `nc -N` sends) means (ADR 0069, "Half-close").
   * `answer` (default; HAProxy's default): the client has nothing more to send, and reads on; its answers are
   * written and the connection closes after the last, unless a streamed answer was already being written (that
   * connection ends at the FIN). A client that closes its socket sends no more than a FIN: the server learns
   * it has left only when its answer is written. `end` (nginx's default for proxied calls, node:http's own): the
   * client has left: the connection ends at the FIN, and a request still in flight sees its client gone (an
   * ACP `sync` run is cancelled, a relayed call aborted); a client that half-closes gets no answer.
   */
  halfClose?: 'answer' | 'end';
  /** Idle keep-alive socket lifetime. Default 72 s (72_000), longer than common LB idle timeouts (60 s). */
  keepAliveTimeoutMs?: number;
  /** Readiness checks run by `/ready`, in parallel. Default none. */
  readiness?: ReadinessCheck[];
  /** Per-check timeout of `/ready`. Default 2 s (2_000). */
  readinessTimeoutMs?: number;
  /**
   * Longest path parameter the router matches (Fastify's `maxParamLength`).
   * Default 100. A longer segment matches no route and answers 404
   * AM_ERR_HTTP_NOT_FOUND; a role whose ids may be longer raises it and lets
   * its routes refuse impossible ids themselves (A2A: TASK_NOT_FOUND).
   */
  maxParamLength?: number;
  /**
   * Requests under `prefix` that the router refuses before any route (a URL
   * that is not valid percent-encoding, a segment over `maxParamLength`) go
   * to `handle` instead of the generic error, once it is set: a role that
   * must answer (and audit) every call under a prefix sets it after
   * registering its routes. Such a request's body is not read.
   */
  unroutedFallback?: UnroutedFallback;
  /**
   * A path prefix served on node:http directly, before Fastify (data-plane.ts,
   * ADR 0015): the role's hot path skips Fastify's routing, hooks and reply
   * chain, and keeps request ids, security headers, the body limit, draining,
   * error rendering and HTTP metrics. The role sets `handle` once its handler
   * is built.
   */
  dataPlane?: DataPlaneRoute;
  /**
   * What parses the connections of a plain-http server with a `dataPlane` (ADR 0065): `llhttp`, Node's
   * own parser driven by the plane's front (a request that is not the plane's hands its connection to
   * node:http), or `node`, node:http's server for everything. Default `node`. TLS servers are node:https's.
   */
  dataPlaneServer?: DataPlaneServer;
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
  /**
   * Serve HTTPS from these files (parsed settings, see `serverTlsSchema`),
   * reloading them on change; with `clientAuth: 'require'` a client without
   * a certificate from `caFile` is refused during the handshake. Default: plain HTTP.
   */
  tls?: ServerTlsSettings | undefined;
}

/** The defaults of {@link HttpServerOptions}, each with its unit. */
/**
 * `maxParamLength` of a role whose routes check every path parameter by
 * schema (a management API): above what Node lets a request line carry
 * (16 KiB of headers), so the router never refuses an id before its route can
 * name the field.
 */
export const MAX_PATH_PARAM_LENGTH = 16 * 1024;

export const HTTP_SERVER_DEFAULTS = Object.freeze({
  /** 1 MiB */
  bodyLimitBytes: 1_048_576,
  /** 10 seconds */
  headersTimeoutMs: 10_000,
  /** 30 seconds */
  requestTimeoutMs: 30_000,
  /**
   * How often Node checks the two deadlines above, at most (1 second). Node's
   * own default, 30 s, lets a trickling client stay up to that much past them.
   */
  connectionsCheckingIntervalMs: 1_000,
  /** none */
  connectionTimeoutMs: 0,
  /** 72 seconds */
  keepAliveTimeoutMs: 72_000,
  /** 2 seconds */
  readinessTimeoutMs: 2_000,
  trustProxy: false,
  securityHeaders: true,
});

function nonNegativeInteger(options: HttpServerOptions, key: Exclude<keyof typeof HTTP_SERVER_DEFAULTS, 'connectionsCheckingIntervalMs'> | 'handlerTimeoutMs' | 'maxParamLength'): void {
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
  for (const key of ['bodyLimitBytes', 'maxParamLength', 'headersTimeoutMs', 'requestTimeoutMs', 'handlerTimeoutMs', 'connectionTimeoutMs', 'keepAliveTimeoutMs', 'readinessTimeoutMs'] as const) {
    nonNegativeInteger(options, key);
  }
  if (options.bodyLimitBytes === 0) throw new TypeError('"bodyLimitBytes" option must be a positive integer');
  if (options.halfClose !== undefined && options.halfClose !== 'answer' && options.halfClose !== 'end') throw new TypeError(`"halfClose" option must be "answer" or "end", got ${JSON.stringify(options.halfClose)}`);
  const headers = options.headersTimeoutMs;
  const request = options.requestTimeoutMs ?? HTTP_SERVER_DEFAULTS.requestTimeoutMs;
  // Node refuses to start with headersTimeout > requestTimeout (0 = no request timeout).
  if (headers !== undefined && request > 0 && (headers === 0 || headers > request)) {
    throw new TypeError(`"headersTimeoutMs" option must be a positive integer no larger than "requestTimeoutMs" (${request}), got ${headers}`);
  }
  const seen = new Set<string>();
  for (const check of options.readiness ?? []) {
    if (typeof check.name !== 'string' || check.name === '' || typeof check.check !== 'function') {
      throw new TypeError('"readiness" option entries must be { name: string, check: () => Promise<void> }');
    }
    if (seen.has(check.name)) throw new TypeError(`"readiness" option has two checks named ${JSON.stringify(check.name)}`);
    seen.add(check.name);
  }
}
