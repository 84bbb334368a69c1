import type { Dispatcher } from 'undici';
import { ErrorCodes, invalidArgument } from '../../protocol/index.js';
import { fetchThrough } from '../../http/index.js';
import type { Logger } from '../../observability/index.js';
import type { RetrySchedule } from './retry-schedule.js';
import { postThroughDispatcher, postThroughFetch, type StreamingPost } from './streaming-post.js';

/** Options of `createAgentCaller`: through the gateway (`gatewayUrl` + `credentials`) or straight to instances (`directUrl`). */
export interface AgentCallerOptions {
  /** The gateway's public URL; agents are reached at `<gatewayUrl>/agents/<name>`. */
  gatewayUrl?: string;
  /** The orchestrator's OAuth client at the gateway (client_secret_basic). Required with `gatewayUrl`. */
  credentials?: {
    clientId: string;
    clientSecret: string;
    /** Scopes to ask for, space-separated; absent: all the client holds (it needs `gateway:delegate`). */
    scope?: string;
  };
  /**
   * Without a gateway (tests, one process): the JSON-RPC endpoint of an
   * instance of `agent` (an agentmesh runtime's `…/agents/<name>`), e.g.
   * from the registry. Asked on every attempt, so a retry can land on another instance.
   */
  directUrl?: (agent: string) => Promise<string> | string;
  /**
   * The connection pool (an undici dispatcher) every request goes through:
   * the streams by its own `request`, tokens and task reads by fetch.
   * Default: undici's global dispatcher (keep-alive pooled).
   */
  dispatcher?: Dispatcher;
  /**
   * A fetch every request goes through instead (one that traces or observes
   * its requests): streams then pay for fetch's Request, Response and WHATWG
   * stream per call (ADR 0082). Not with `dispatcher`.
   */
  fetch?: typeof fetch;
  logger?: Logger;
  /** How long an answer may take to start (a stream's headers, a token, a cancel), ms. Default 30 s (30_000). Streams then run as long as their task. */
  requestTimeoutMs?: number;
  /** Repeats after transient failures (network, 5xx, 429). Defaults: 5 attempts, 250 ms doubling to 10 s, Retry-After obeyed up to 60 s. */
  retry?: Partial<RetrySchedule>;
}

/** The options after checking, defaults filled in. */
export interface ResolvedCallerOptions {
  gateway: { url: string; clientId: string; clientSecret: string; scope: string | undefined } | undefined;
  directUrl: ((agent: string) => Promise<string> | string) | undefined;
  fetch: typeof fetch;
  /** How streams are sent: through the dispatcher, or through the fetch given. */
  post: StreamingPost;
  logger: Logger | undefined;
  requestTimeoutMs: number;
  retry: RetrySchedule;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The caller's options are its author's to fix: their refusals are shown. */
const EXPOSED = { expose: true } as const;
const DEFAULT_RETRY: RetrySchedule = { attempts: 5, initialDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** Checks the options once, when the caller is built; messages name the option. */
export function resolveCallerOptions(options: AgentCallerOptions): ResolvedCallerOptions {
  if ((options.gatewayUrl === undefined) === (options.directUrl === undefined)) {
    throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.gatewayUrl', 'or directUrl must be given, not both: calls go through the gateway, or straight to instances', EXPOSED);
  }
  let gateway: ResolvedCallerOptions['gateway'];
  if (options.gatewayUrl !== undefined) {
    const { clientId, clientSecret, scope } = options.credentials ?? {};
    if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
      throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.credentials', "must hold the clientId and clientSecret of the orchestrator's OAuth client at the gateway", EXPOSED);
    }
    if (scope !== undefined && (typeof scope !== 'string' || scope.trim() === '')) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.credentials.scope', 'must be a non-empty space-separated list of scopes', EXPOSED);
    gateway = { url: checkBaseUrl(options.gatewayUrl, 'gatewayUrl'), clientId, clientSecret, scope };
  } else if (typeof options.directUrl !== 'function') {
    throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.directUrl', 'must be a function from an agent name to its URL', EXPOSED);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1 || requestTimeoutMs > 600_000) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.requestTimeoutMs', 'must be an integer from 1 to 600000 (ms)', EXPOSED);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1 || retry.attempts > 20) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.retry.attempts', 'must be an integer from 1 to 20', EXPOSED);
  for (const key of ['initialDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!Number.isInteger(retry[key]) || retry[key] < 0 || retry[key] > 600_000) throw invalidArgument(ErrorCodes.CONFIG_INVALID, `agentCaller.retry.${key}`, 'must be an integer from 0 to 600000 (ms)', EXPOSED);
  }
  if (retry.maxDelayMs < retry.initialDelayMs) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.retry.maxDelayMs', 'must not be below retry.initialDelayMs', EXPOSED);
  if (options.fetch !== undefined && options.dispatcher !== undefined) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.fetch', 'or dispatcher may be given, not both: requests go through one or the other', EXPOSED);
  const transport = transportOf(options);
  return Object.freeze({ gateway, directUrl: options.directUrl, ...transport, logger: options.logger, requestTimeoutMs, retry: Object.freeze(retry) });
}

/** The fetch of tokens and task reads, and the POST of streams, from the options. */
function transportOf(options: AgentCallerOptions): Pick<ResolvedCallerOptions, 'fetch' | 'post'> {
  if (typeof options.fetch === 'function') return { fetch: options.fetch, post: postThroughFetch(options.fetch) };
  if (options.fetch !== undefined) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.fetch', 'must be a fetch function', EXPOSED);
  const dispatcher = options.dispatcher;
  if (dispatcher !== undefined && typeof dispatcher.request !== 'function') throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'agentCaller.dispatcher', 'must be an undici Dispatcher (an Agent, a Pool, a composed dispatcher)', EXPOSED);
  return { fetch: dispatcher === undefined ? globalThis.fetch : fetchThrough(dispatcher), post: postThroughDispatcher(dispatcher) };
}

/**
 * An http(s) base URL without credentials, query or fragment, without its
 * trailing slash. Operator configuration or registry instance URLs, not
 * user input: no SSRF check here (streams cannot go through the buffering
 * guard of http/), but nothing but http(s) is ever fetched.
 */
export function checkBaseUrl(value: unknown, field: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalidArgument(ErrorCodes.CONFIG_INVALID, `agentCaller.${field}`, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`, EXPOSED);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(ErrorCodes.CONFIG_INVALID, `agentCaller.${field}`, `must be an http(s) URL, got ${url.protocol}`, EXPOSED);
  if (url.username !== '' || url.password !== '') throw invalidArgument(ErrorCodes.CONFIG_INVALID, `agentCaller.${field}`, 'must not carry credentials', EXPOSED);
  if (url.search !== '' || url.hash !== '') throw invalidArgument(ErrorCodes.CONFIG_INVALID, `agentCaller.${field}`, 'must not carry a query or fragment', EXPOSED);
  return url.href.replace(/\/+$/, '');
}
