import type { ClientTlsSource, InProcessServers, SsrfGuard } from '../../http/index.js';
import type { Logger, Metrics } from '../../observability/index.js';
import { Errors } from '../../protocol/index.js';

/** Options of {@link createUpstreamRouter}. Durations in ms. */
export interface UpstreamRouterOptions {
  /** Base URL of the registry (`http://registry:4100`): operator configuration, so no SSRF guard on it. */
  registryUrl: string;
  /** Bearer token sent to the registry (its reads are open; a locked-down registry may want one). */
  registryToken?: string | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Breaker per instance (seed 001): consecutive failures that open it (5), and how long it stays open (30 000 ms) before one trial. */
  breaker?: { failures: number; openMs: number } | undefined;
  /** Time allowed to open a connection to an instance: 5 000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Time allowed for an instance's response headers, and the longest silence inside a response body: 300 000 ms (a blocking SendMessage waits for its task). */
  requestTimeoutMs?: number | undefined;
  /** When given, instance URLs must pass it (`check`) before they enter rotation. */
  guard?: SsrfGuard | undefined;
  /** Instances one request may try, the first included, where retrying is safe: 3. */
  maxAttempts?: number | undefined;
  /** Time `start()` waits for the first full load before resolving anyway (the load keeps retrying behind): 10 000 ms. */
  startTimeoutMs?: number | undefined;
  /** Time one registry call may take (for the watch: until it opens): 10 000 ms. */
  registryTimeoutMs?: number | undefined;
  /** A watch stream silent this long is dead (the registry sends a keep-alive every 15 s): 60 000 ms. */
  watchIdleMs?: number | undefined;
  /** Longest wait between two attempts to reach the registry: 10 000 ms. */
  maxReconnectMs?: number | undefined;
  /** A `[0, 1)` source for backoff jitter and nothing else; tests fix it. */
  random?: (() => number) | undefined;
  /** Client certificate and trusted CA of the connections to instances and to the registry (mutual TLS, `openClientTls`; reloaded on change). Default: Node's roots, no certificate. */
  tls?: ClientTlsSource | undefined;
  /** Servers of this process reached in memory instead of over loopback (`agentmesh up`; ADR 0015). */
  inProcess?: InProcessServers | undefined;
  /**
   * The client of plain `http:` instances: `llhttp`, Node's HTTP parser on
   * kept-alive sockets (ADR 0064), or `undici`, as TLS and in-process
   * instances always are. Default `llhttp` (undici when this Node's parser
   * binding is not as expected, logged at start).
   */
  upstreamClient?: 'llhttp' | 'undici' | undefined;
}

/** The options with every default filled in, checked. */
export interface ResolvedRouterOptions {
  registryUrl: string;
  registryToken: string | undefined;
  logger: Logger;
  metrics: Metrics;
  breakerFailures: number;
  breakerOpenMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  guard: SsrfGuard | undefined;
  maxAttempts: number;
  startTimeoutMs: number;
  registryTimeoutMs: number;
  watchIdleMs: number;
  maxReconnectMs: number;
  random: () => number;
  tls: ClientTlsSource | undefined;
  inProcess: InProcessServers | undefined;
  upstreamClient: 'llhttp' | 'undici';
}

/** Defaults, with their units. */
export const ROUTER_DEFAULTS = Object.freeze({
  /** Seed 001: five failures in a row open the breaker. */
  breakerFailures: 5,
  /** Seed 001: 30 seconds open, then one trial. */
  breakerOpenMs: 30_000,
  /** 5 seconds. */
  connectTimeoutMs: 5_000,
  /** 5 minutes, as the runtime's own request timeout. */
  requestTimeoutMs: 300_000,
  maxAttempts: 3,
  /** 10 seconds. */
  startTimeoutMs: 10_000,
  /** 10 seconds. */
  registryTimeoutMs: 10_000,
  /** 60 seconds: four missed registry keep-alives. */
  watchIdleMs: 60_000,
  /** 10 seconds. */
  maxReconnectMs: 10_000,
});

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw Errors.optionNotPositiveInteger({ option: name, given: JSON.stringify(value) });
  }
  return value;
}

/** Checks the options once, where they enter; messages name the option. */
export function resolveRouterOptions(options: UpstreamRouterOptions): ResolvedRouterOptions {
  let registry: URL;
  try {
    registry = new URL(options.registryUrl);
  } catch {
    throw Errors.optionNotHttpUrl({ option: 'registryUrl', given: String(JSON.stringify(options.registryUrl)) });
  }
  if (registry.protocol !== 'http:' && registry.protocol !== 'https:') {
    throw Errors.optionNotHttpScheme({ option: 'registryUrl', protocol: registry.protocol });
  }
  const breaker = options.breaker;
  return {
    registryUrl: registry.href.replace(/\/+$/, ''),
    registryToken: options.registryToken === '' ? undefined : options.registryToken,
    logger: options.logger,
    metrics: options.metrics,
    breakerFailures: positiveInteger('breaker.failures', breaker?.failures, ROUTER_DEFAULTS.breakerFailures),
    breakerOpenMs: positiveInteger('breaker.openMs', breaker?.openMs, ROUTER_DEFAULTS.breakerOpenMs),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, ROUTER_DEFAULTS.connectTimeoutMs),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, ROUTER_DEFAULTS.requestTimeoutMs),
    guard: options.guard,
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts, ROUTER_DEFAULTS.maxAttempts),
    startTimeoutMs: positiveInteger('startTimeoutMs', options.startTimeoutMs, ROUTER_DEFAULTS.startTimeoutMs),
    registryTimeoutMs: positiveInteger('registryTimeoutMs', options.registryTimeoutMs, ROUTER_DEFAULTS.registryTimeoutMs),
    watchIdleMs: positiveInteger('watchIdleMs', options.watchIdleMs, ROUTER_DEFAULTS.watchIdleMs),
    maxReconnectMs: positiveInteger('maxReconnectMs', options.maxReconnectMs, ROUTER_DEFAULTS.maxReconnectMs),
    random: options.random ?? Math.random,
    tls: options.tls,
    inProcess: options.inProcess,
    upstreamClient: options.upstreamClient ?? 'llhttp',
  };
}
