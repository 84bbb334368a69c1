/**
 * The one place agentmesh makes the connection pools (undici dispatchers)
 * of its outbound HTTP calls: the runtime's registry link and JWKS fetch,
 * the gateway's registry reads and upstream agents, the orchestrator's mesh
 * calls, the SSRF guard. A pool per purpose, so each keeps its own timeouts
 * and `close()` ends exactly the sockets it opened; every pool is built
 * from the same layers, in this order:
 *
 * 1. timeouts: opening a connection (TCP and TLS), the response headers,
 *    the longest silence inside a body;
 * 2. TLS: the role's client certificate and CAs (`ClientTlsSource`, which
 *    new connections follow when its files are reloaded);
 * 3. an address policy (the SSRF guard's): judged for each new connection,
 *    whose name is resolved again and each address judged at connect time;
 * 4. in-process dispatch: an origin served by this process is reached in
 *    memory, whatever the layers above say (only plain `http:` origins a
 *    composition root registered; see in-process-servers.ts);
 * 5. interceptors composed over the pool (`Dispatcher.compose`): what each
 *    request gets, such as a trace header.
 *
 * A pool given no interceptor is the undici `Agent` itself: the gateway's
 * upstream pool is on the path of every relayed call, and a composed
 * dispatcher adds a proxy and a handler wrapper to each.
 *
 * undici is loaded on the first pool made, not with http/: a process that
 * never calls out (a registry without agents to probe) does not carry a
 * second HTTP client.
 *
 * A pool made `isolated` runs on a copy of undici's code of its own (its
 * classes and functions loaded a second time): what it is given and makes
 * (Node's `fetch` options and handlers, other header and body shapes) never
 * reaches the functions of the hot path's pools, whose optimized code V8
 * would otherwise deoptimize and recompile for the new shapes (the
 * gateway's registry reads; docs/perf-journal/gateway-and-fleet-2026-11-27.md, "The relay's fast paths").
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type { LookupFunction } from 'node:net';
import type * as UndiciModule from 'undici';
import type { Dispatcher } from 'undici';
import { tracedFetch, type Tracing } from '../../observability/index.js';
import type { ClientTlsSource } from '../tls/client-tls.js';
import type { InProcessServers } from './in-process-servers.js';

type Undici = typeof UndiciModule;
type Connector = UndiciModule.buildConnector.connector;
type ConnectorOptions = UndiciModule.buildConnector.BuildOptions;
type ConnectOptions = UndiciModule.buildConnector.Options;

/** A connection pool of outbound calls: pass it as `dispatcher`, or fetch through it with {@link fetchThrough}. */
export type OutboundPool = Dispatcher;

/** What a request gets from a pool: wraps the pool's `dispatch` (undici's interceptor shape). */
export type OutboundInterceptor = Dispatcher.DispatcherComposeInterceptor;

/**
 * Which connections a pool may open (the SSRF guard's policy). Asked for
 * each new connection, before it opens.
 */
export interface ConnectPolicy {
  /**
   * `open`: connect with {@link lookup} (a host the policy trusts as it
   * is); `guarded`: with {@link guardedLookup}; an Error: refuse the
   * connection with it.
   */
  admit(target: ConnectOptions): 'open' | 'guarded' | Error;
  /** The DNS lookup of connections admitted `open`. */
  lookup: LookupFunction;
  /** The DNS lookup of connections admitted `guarded`: it judges every address it resolves. */
  guardedLookup: LookupFunction;
}

/** Options of {@link createOutboundPool}. Durations in ms; each unset one is undici's default. */
export interface OutboundPoolOptions {
  /** Time to open a connection, TCP and TLS handshakes included. Default 10 s (10_000). */
  connectTimeoutMs?: number | undefined;
  /** Time from a request's end to its response headers. Default 300 s (300_000). */
  headersTimeoutMs?: number | undefined;
  /** Longest silence between two chunks of a response body. Default 300 s (300_000). */
  bodyTimeoutMs?: number | undefined;
  /** Client certificate and trusted CAs of https connections. Default: Node's roots, no certificate. */
  tls?: ClientTlsSource | undefined;
  /** Which connections may open (SSRF guard). Default: any. */
  connectPolicy?: ConnectPolicy | undefined;
  /** Origins this process serves, reached in memory. */
  inProcess?: InProcessServers | undefined;
  /** Composed over the pool, the first one outermost. Default none (the pool is the undici `Agent`). */
  interceptors?: readonly OutboundInterceptor[] | undefined;
  /**
   * On a copy of undici's code of its own, which no other pool's calls run
   * through: for calls whose shapes differ from the hot path's (a `fetch`
   * through the pool, rare calls) in a process whose hot path is another
   * pool's. Default false.
   */
  isolated?: boolean | undefined;
}

/** What a pool is built from: undici's `Agent` and `buildConnector`. */
type UndiciParts = Pick<Undici, 'Agent' | 'buildConnector'>;

let undici: Undici | undefined;
let isolatedUndici: UndiciParts | undefined;

/** undici, loaded on first use (synchronously: pools are made in constructors). */
function loadUndici(): Undici {
  undici ??= createRequire(import.meta.url)('undici') as Undici;
  return undici;
}

/**
 * The second copy of undici's `Agent` and `buildConnector`, with every module
 * under them loaded again (one copy for all isolated pools). Node's module
 * cache is left as it was: `require('undici')` elsewhere still gets the
 * shared copy.
 */
function loadIsolatedUndici(): UndiciParts {
  if (isolatedUndici !== undefined) return isolatedUndici;
  const require = createRequire(import.meta.url);
  const root = `${dirname(require.resolve('undici'))}${sep}`;
  const own = (): string[] => Object.keys(require.cache).filter((key) => key.startsWith(root));
  const shared = new Map(own().map((key) => [key, require.cache[key]!]));
  for (const key of shared.keys()) delete require.cache[key];
  try {
    const Agent = require(`${root}lib${sep}dispatcher${sep}agent.js`) as Undici['Agent'];
    const buildConnector = require(`${root}lib${sep}core${sep}connect.js`) as Undici['buildConnector'];
    isolatedUndici = { Agent, buildConnector };
  } finally {
    for (const key of own()) delete require.cache[key];
    for (const [key, module] of shared) require.cache[key] = module;
  }
  return isolatedUndici;
}

/**
 * Makes an outbound connection pool. Close it (`close()` waits for calls in
 * flight, `destroy()` cuts them) when its owner closes.
 *
 * @example
 * import { createOutboundPool, fetchThrough } from '../http/index.js';
 * const pool = createOutboundPool({ connectTimeoutMs: 5_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, tls });
 * const res = await fetchThrough(pool)('https://registry:4100/v1/agents');
 * await pool.close();
 */
export function createOutboundPool(options: OutboundPoolOptions = {}): OutboundPool {
  const parts = options.isolated === true ? loadIsolatedUndici() : loadUndici();
  const agent = new parts.Agent({
    connect: connectorOf(options, parts.buildConnector),
    ...(options.headersTimeoutMs !== undefined && { headersTimeout: options.headersTimeoutMs }),
    ...(options.bodyTimeoutMs !== undefined && { bodyTimeout: options.bodyTimeoutMs }),
  });
  const interceptors = options.interceptors ?? [];
  return interceptors.length === 0 ? agent : agent.compose([...interceptors]);
}

/** Layers 1–4: how a new connection of the pool is opened. */
function connectorOf(options: OutboundPoolOptions, buildConnector: Undici['buildConnector']): Connector {
  const base: ConnectorOptions = options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs };
  const tls = options.tls;
  const build = (layer: ConnectorOptions): Connector => (tls ? tls.connector(layer, buildConnector) : buildConnector(layer));
  let connect: Connector;
  const policy = options.connectPolicy;
  if (policy === undefined) connect = build(base);
  else {
    const open = build({ ...base, lookup: policy.lookup });
    const guarded = build({ ...base, lookup: policy.guardedLookup });
    connect = (target, callback) => {
      const verdict = policy.admit(target);
      if (verdict instanceof Error) return callback(verdict, null);
      return verdict === 'open' ? open(target, callback) : guarded(target, callback);
    };
  }
  return options.inProcess ? options.inProcess.connector(connect) : connect;
}

/**
 * A fetch whose calls go through `pool`; with `tracing`, each is a CLIENT
 * span and carries its `traceparent` (observability's `tracedFetch`).
 *
 * @example
 * const registryFetch = fetchThrough(pool, { tracing });
 */
export function fetchThrough(pool: OutboundPool, options: { tracing?: Tracing | undefined } = {}): typeof fetch {
  const tracing = options.tracing;
  // undici's dispatcher serves the fetch built into Node; only the two copies of its types differ, which the intersection bridges.
  const through = (init: RequestInit | undefined): RequestInit => Object.assign({}, init, { dispatcher: pool });
  if (tracing === undefined) return (input, init) => fetch(input, through(init));
  return (input, init) => tracedFetch(tracing, input, through(init));
}

/**
 * An interceptor that gives a request with no `traceparent` the one of the
 * current trace (when `tracing` is given and a trace is current) or, with
 * `startTrace`, a trace of its own (W3C Trace Context §3.2: version 00,
 * random trace and parent ids, sampled), so the called service's logs
 * still tie one call's lines together. A request that carries one is left
 * as it is.
 *
 * @example
 * const pool = createOutboundPool({ interceptors: [traceparentInterceptor({ tracing, startTrace: true })] });
 */
export function traceparentInterceptor(options: { tracing?: Tracing | undefined; startTrace?: boolean }): OutboundInterceptor {
  const { tracing, startTrace = false } = options;
  return (dispatch) => (opts, handler) => {
    const headers = listed(opts.headers);
    const traceparent = hasHeader(headers, 'traceparent') ? undefined : (tracing?.injectTraceparent({}).traceparent ?? (startTrace ? freshTraceparent() : undefined));
    if (traceparent !== undefined) return dispatch({ ...opts, headers: withHeader(headers, 'traceparent', traceparent) }, handler);
    // An iterable was read into a list: the list goes on, as an iterable again.
    return dispatch(headers.kind === 'pairs' ? { ...opts, headers: pairsOf(headers.list) } : opts, handler);
  };
}

function freshTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

type HeaderPair = [string, string | string[] | undefined];

/**
 * The shapes of request headers undici accepts: none, a record, an array
 * `['name', 'value', …]`, or any other iterable of `[name, value]` pairs,
 * which is read into a list here (it may be readable once only).
 */
type HeaderShape = { kind: 'none' } | { kind: 'flat'; list: string[] } | { kind: 'pairs'; list: HeaderPair[] } | { kind: 'record'; record: Record<string, string | string[] | undefined> };

function listed(headers: Dispatcher.DispatchOptions['headers']): HeaderShape {
  if (headers === undefined || headers === null) return { kind: 'none' };
  if (Array.isArray(headers)) return { kind: 'flat', list: headers };
  if (Symbol.iterator in headers) return { kind: 'pairs', list: [...headers] };
  return { kind: 'record', record: headers };
}

/** Pairs as undici reads them: an iterable that is not an array (an array is read as `['name', 'value', …]`). */
function pairsOf(list: HeaderPair[]): Iterable<HeaderPair> {
  return { [Symbol.iterator]: () => list.values() };
}

/** Whether the headers have `name` (lowercase), in any letter case. */
function hasHeader(headers: HeaderShape, name: string): boolean {
  switch (headers.kind) {
    case 'none':
      return false;
    case 'flat':
      for (let i = 0; i < headers.list.length; i += 2) if (headers.list[i]!.toLowerCase() === name) return true;
      return false;
    case 'pairs':
      return headers.list.some(([key]) => key.toLowerCase() === name);
    case 'record':
      return Object.keys(headers.record).some((key) => key.toLowerCase() === name);
  }
}

/** The headers plus `name: value`, in the shape they came in. */
function withHeader(headers: HeaderShape, name: string, value: string): NonNullable<Dispatcher.DispatchOptions['headers']> {
  switch (headers.kind) {
    case 'none':
      return { [name]: value };
    case 'flat':
      return [...headers.list, name, value];
    case 'pairs':
      return pairsOf([...headers.list, [name, value]]);
    case 'record':
      return { ...headers.record, [name]: value };
  }
}
