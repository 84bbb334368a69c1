import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { isAgentmeshError, Errors, type AgentmeshError } from '../../protocol/index.js';
import type { Tracing } from '../../observability/index.js';
import { isMetadataHost, judgeAddress } from './address-policy.js';
import type { ClientTlsSource } from '../tls/client-tls.js';
import { HostAllowList, effectivePort, normalizeHost } from './host-allow-list.js';
import { createOutboundPool, traceparentInterceptor, type ConnectPolicy, type OutboundPool } from './outbound-pool.js';

/** Options of {@link createSsrfGuard}. */
export interface SsrfGuardOptions {
  /** Allow plain `http:` to any host (development). Default false: https only, except allow-listed hosts. */
  allowHttp?: boolean;
  /**
   * Hosts that skip every address check (and may use http): `host`,
   * `host:port`, `*.suffix`, `*.suffix:port`. For an internal agent network
   * or a local test server. Default none.
   */
  allowHosts?: readonly string[];
  /**
   * Allow private, loopback, link-local… addresses (development). Cloud
   * metadata endpoints stay refused unless allow-listed. Default false.
   */
  allowPrivate?: boolean;
  /** DNS lookup; default `dns.lookup`. Tests inject one to simulate DNS answers. */
  lookup?: typeof dns.lookup;
  /** When given, outbound requests carry the W3C `traceparent` of the current request. */
  tracing?: Tracing;
  /**
   * Client certificate and trusted CAs of https connections (`openClientTls`,
   * reloaded when its files change): the registry probes and fetches cards of
   * agents that require mutual TLS. Keep the system roots in its CA when the
   * guard also reaches the internet. Every address check still applies.
   * Default: Node's roots, no certificate.
   */
  tls?: ClientTlsSource | undefined;
}

/** What {@link SsrfGuard.check} found: the parsed URL and the addresses its host resolves to. */
export interface SsrfCheckResult {
  url: URL;
  addresses: string[];
}

/** Request options of {@link SsrfGuard.fetch}. The body is buffered: redirects may have to replay it. */
export interface SsrfFetchInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | Uint8Array | null;
  /** Aborts the call (in addition to the timeout). */
  signal?: AbortSignal;
  /** Time allowed for the whole call, redirects and body included. Default 10 s (10_000). */
  timeoutMs?: number;
  /** Largest response body accepted. Default 1 MiB (1_048_576). */
  maxBytes?: number;
  /** Redirects followed, each re-checked; more is an error. 0 returns the 3xx response itself. Default 3. */
  maxRedirects?: number;
}

/** The guard every outbound call of agentmesh goes through (webhooks, card fetches, health probes). */
export interface SsrfGuard {
  /**
   * Refuses (AM_ERR_SSRF_BLOCKED) a URL that is not http(s), uses plain http
   * without permission, carries credentials, names a cloud metadata host, or
   * has ANY resolved address that is not public unicast. With `signal`, the
   * name's resolution is abandoned (rejecting with its reason) once it aborts.
   */
  check(url: string | URL, signal?: AbortSignal): Promise<SsrfCheckResult>;
  /**
   * `check`, then the request through a dispatcher that re-checks the address
   * actually connected to (DNS rebinding), following at most `maxRedirects`
   * redirects, each re-checked. Errors: AM_ERR_SSRF_BLOCKED,
   * AM_ERR_HTTP_TIMEOUT, AM_ERR_HTTP_UPSTREAM_TOO_LARGE, AM_ERR_HTTP_UPSTREAM_FAILED.
   * The returned Response holds the whole (capped) body; its `url` is the final URL.
   */
  fetch(url: string | URL, init?: SsrfFetchInit): Promise<Response>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1_048_576;
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

type Rule = 'invalid_url' | 'scheme' | 'http' | 'credentials' | 'metadata' | 'address';

function blocked(target: string, rule: Rule, reason: string): AgentmeshError {
  return Errors.outboundRefused({ target, reason }, { details: { rule } });
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The first AgentmeshError in an error's cause chain (undici wraps connector errors). */
function agentmeshCause(err: unknown): AgentmeshError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (isAgentmeshError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function toHeaderRecord(init: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

async function readCapped(body: Readable, maxBytes: number, declaredLength: string | string[] | undefined, target: string): Promise<Buffer> {
  const tooLarge = (): AgentmeshError =>
    Errors.outboundTooLarge({ target, maxBytes });
  if (typeof declaredLength === 'string' && Number(declaredLength) > maxBytes) {
    // Nobody reads this body: without a listener, the abort error of destroy() would be unhandled.
    body.on('error', () => {});
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    // An undici body yields Buffers; anything else is made one.
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    total += bytes.length;
    // Leaving the loop destroys the stream (the iterator's return()), cutting the download.
    if (total > maxBytes) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

class UndiciSsrfGuard implements SsrfGuard {
  readonly #allowHttp: boolean;
  readonly #allowPrivate: boolean;
  readonly #allowList: HostAllowList;
  readonly #lookup: typeof dns.lookup;
  readonly #tracing: Tracing | undefined;
  readonly #tls: ClientTlsSource | undefined;
  #pool: OutboundPool | undefined;

  constructor(options: SsrfGuardOptions) {
    this.#allowHttp = options.allowHttp ?? false;
    this.#allowPrivate = options.allowPrivate ?? false;
    this.#allowList = new HostAllowList(options.allowHosts ?? []);
    this.#lookup = options.lookup ?? dns.lookup;
    this.#tracing = options.tracing;
    this.#tls = options.tls;
  }

  /**
   * The connection pool, made on the first fetch: a process that never
   * calls out (most runtimes without webhooks) does not carry a second HTTP
   * client. Requests carry the current `traceparent`.
   */
  #poolOnce(): OutboundPool {
    this.#pool ??= createOutboundPool({
      tls: this.#tls,
      connectPolicy: this.#connectPolicy,
      interceptors: this.#tracing === undefined ? [] : [traceparentInterceptor({ tracing: this.#tracing })],
    });
    return this.#pool;
  }

  /**
   * DNS-rebinding defence: the connection resolves the name again, and the
   * addresses it gets are judged again, right before connecting. An
   * allow-listed host connects as it is.
   */
  readonly #connectPolicy: ConnectPolicy = {
    admit: (opts) => {
      const host = normalizeHost(opts.hostname);
      const port = opts.port !== '' ? opts.port : opts.protocol === 'https:' ? '443' : '80';
      if (this.#allowList.allows(host, port)) return 'open';
      if (net.isIP(host) !== 0) {
        // IP literals never reach the lookup; judge them here as well.
        const verdict = judgeAddress(host, { allowPrivate: this.#allowPrivate });
        if (verdict.blocked) return blocked(host, 'address', `address ${host} is ${verdict.range}`);
      }
      return 'guarded';
    },
    lookup: (hostname, options, callback) => this.#lookup(hostname, options, callback),
    guardedLookup: (hostname, options, callback) => this.#guardedLookup(hostname, options, callback),
  };

  async check(input: string | URL, signal?: AbortSignal): Promise<SsrfCheckResult> {
    let url: URL;
    try {
      url = new URL(typeof input === 'string' ? input : input.href);
    } catch {
      throw blocked(String(input).slice(0, 200), 'invalid_url', 'not an absolute URL');
    }
    const target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw blocked(target, 'scheme', `scheme ${url.protocol} is not allowed, only https (and http where allowed)`);
    if (url.username !== '' || url.password !== '') throw blocked(target, 'credentials', 'URLs must not carry credentials; send them in a header');
    const host = normalizeHost(url.hostname);
    const listed = this.#allowList.allows(host, effectivePort(url));
    if (url.protocol === 'http:' && !this.#allowHttp && !listed) throw blocked(target, 'http', 'plain http is not allowed, use https');
    if (net.isIP(host) !== 0) {
      if (!listed) {
        const verdict = judgeAddress(host, { allowPrivate: this.#allowPrivate });
        if (verdict.blocked) throw blocked(target, verdict.metadata ? 'metadata' : 'address', `address ${host} is ${verdict.range}`);
      }
      return { url, addresses: [host] };
    }
    if (!listed && isMetadataHost(host)) throw blocked(target, 'metadata', `${host} is a cloud metadata endpoint`);
    const addresses = await this.#resolve(host, target, signal);
    if (!listed) {
      for (const { address } of addresses) {
        const verdict = judgeAddress(address, { allowPrivate: this.#allowPrivate });
        // The address itself stays out of the message: it would turn the guard into a DNS oracle for internal names.
        if (verdict.blocked) throw blocked(target, verdict.metadata ? 'metadata' : 'address', `host ${host} resolves to a ${verdict.range} address`);
      }
    }
    return { url, addresses: addresses.map((a) => a.address) };
  }

  async fetch(input: string | URL, init: SsrfFetchInit = {}): Promise<Response> {
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = init.maxBytes ?? DEFAULT_MAX_BYTES;
    const maxRedirects = init.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal === undefined ? timeout : AbortSignal.any([init.signal, timeout]);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    const headers = toHeaderRecord(init.headers);
    let url: URL;
    try {
      // The name is resolved within the same deadline: a resolver that does not answer is a timeout, not a hang.
      url = (await this.check(input, signal)).url;
    } catch (err) {
      if (!signal.aborted) throw err;
      throw this.#mapError(err, new URL(typeof input === 'string' ? input : input.href).origin, timeout, init.signal, timeoutMs);
    }
    for (let redirects = 0; ; redirects++) {
      const target = url.origin;
      try {
        // undici's request(url, …) on the pool, as undici splits the URL.
        const res = await this.#poolOnce().request({ origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname, method, headers, body, signal });
        const location = res.headers.location;
        // maxRedirects 0 is fetch's `redirect: 'manual'`: the 3xx itself is the answer.
        if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && maxRedirects > 0) {
          await res.body.dump();
          if (redirects >= maxRedirects) {
            throw Errors.tooManyRedirects({ target, maxRedirects });
          }
          const next = (await this.check(new URL(location, url))).url;
          // Fetch §4.4 (HTTP-redirect fetch): 303, and 301/302 after POST, become a GET without body.
          if ((res.statusCode === 303 && method !== 'HEAD') || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            body = null;
            delete headers['content-type'];
            delete headers['content-length'];
          }
          // Credentials are for the origin they were given to.
          if (next.origin !== url.origin) {
            delete headers.authorization;
            delete headers.cookie;
            delete headers['proxy-authorization'];
          }
          url = next;
          continue;
        }
        const bytes = await readCapped(res.body, maxBytes, res.headers['content-length'], target);
        return toResponse(res.statusCode, res.headers, bytes, url);
      } catch (err) {
        throw this.#mapError(err, target, timeout, init.signal, timeoutMs);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#pool) await this.#pool.close();
  }

  #mapError(err: unknown, target: string, timeout: AbortSignal, callerSignal: AbortSignal | undefined, timeoutMs: number): unknown {
    const ours = agentmeshCause(err);
    if (ours !== undefined) return ours;
    if (timeout.aborted) {
      return Errors.outboundTimedOut({ target, timeoutMs }, { cause: err });
    }
    if (callerSignal?.aborted === true) return callerSignal.reason ?? err;
    const message = err instanceof Error ? err.message : String(err);
    return Errors.outboundFailed({ target, reason: message }, { cause: err });
  }

  /** The addresses of `host`; rejects with the signal's reason once it aborts (the lookup itself cannot be cancelled). */
  #resolve(host: string, target: string, signal?: AbortSignal): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#lookup(host, { all: true }, (err, addresses) => {
        signal?.removeEventListener('abort', onAbort);
        if (err !== null || addresses.length === 0) {
          reject(
            Errors.outboundFailed({ target, reason: `host ${host} does not resolve` }, { cause: err ?? undefined }),
          );
        } else resolve(addresses);
      });
    });
  }

  readonly #guardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const host = normalizeHost(hostname);
    if (isMetadataHost(host)) {
      callback(blocked(host, 'metadata', `${host} is a cloud metadata endpoint`), []);
      return;
    }
    this.#lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(err, []);
        return;
      }
      for (const { address } of addresses) {
        const verdict = judgeAddress(address, { allowPrivate: this.#allowPrivate });
        if (verdict.blocked) {
          callback(blocked(host, verdict.metadata ? 'metadata' : 'address', `host ${host} resolved at connect time to a ${verdict.range} address`), []);
          return;
        }
      }
      const first = addresses[0];
      if (options.all === true) callback(null, addresses);
      else if (first === undefined) callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}

function toResponse(status: number, headers: Record<string, string | string[] | undefined>, bytes: Buffer, url: URL): Response {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else if (value !== undefined) out.set(name, value);
  }
  const response = new Response(NULL_BODY_STATUSES.has(status) ? null : bytes, { status, headers: out });
  // Response.url is read-only from the constructor; callers need the final URL after redirects.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/**
 * Creates the SSRF guard. One guard per process role is enough; it pools
 * connections, so call `close()` at shutdown.
 *
 * @example
 * import { createSsrfGuard } from '../http/index.js';
 * const guard = createSsrfGuard({ allowHosts: config.outbound.allowHosts });
 * const res = await guard.fetch(webhook.url, { method: 'POST', headers, body, timeoutMs: 5_000 });
 * // throws AgentmeshError AM_ERR_SSRF_BLOCKED for http://169.254.169.254/, http://10.0.0.7/, …
 */
export function createSsrfGuard(options: SsrfGuardOptions = {}): SsrfGuard {
  return new UndiciSsrfGuard(options);
}
