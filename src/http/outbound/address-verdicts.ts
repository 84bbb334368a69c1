import { LRUCache } from 'lru-cache';
import { ErrorCodes, isAgentmeshError, type AgentmeshError } from '../../protocol/index.js';
import type { SsrfGuard } from './ssrf-guard.js';

/** Options of {@link AddressVerdicts}. */
export interface AddressVerdictsOptions {
  /** How long a host's verdict is served before it is looked up again, ms. Default 60 s. */
  ttlMs?: number;
  /** How long a host that did not resolve is remembered so, ms: short, a starting pod resolves soon. Default 5 s. */
  unresolvedTtlMs?: number;
  /** Hosts remembered at most. Default 10,000. */
  maxHosts?: number;
  /** The clock ages are read from, ms; default `performance`. Tests pass one they move. */
  clock?: { now(): number };
}

/**
 * The guard's word on a URL: `refusal` when it refuses it (AM_ERR_SSRF_BLOCKED);
 * `unresolved` when its host did not resolve (remembered only briefly: a
 * starting pod resolves soon); neither when it may be reached.
 */
export interface AddressVerdict {
  refusal?: AgentmeshError;
  unresolved?: unknown;
}

/**
 * The SSRF guard's verdict on URLs, remembered per origin: for the checks
 * made ahead of any connection (the registry before a record commits, the
 * gateway before an instance enters rotation). Each takes a DNS lookup, and
 * neither may pay for one per URL: a fleet runs many agents on the same few
 * hosts, and a resolver that loses an answer to concurrent queries (glibc
 * retries after its 5 s `timeout`) made every registration near another one
 * wait 5 s.
 *
 * So concurrent checks of one origin share a single lookup, its verdict is
 * kept for `ttlMs` (a host that did not resolve: `unresolvedTtlMs`), and once
 * stale it is still served while a fresh lookup runs in the background: only
 * the first URL naming a host ever waits on DNS. A name that does not
 * resolve costs the same lost-answer wait (getaddrinfo gives up after its
 * retries), so it is remembered too, briefly. The defence against DNS rebinding stays where it was, at connect
 * time, with a fresh lookup for every connection.
 *
 * @example
 * const verdicts = new AddressVerdicts(guard);
 * const { refusal } = await verdicts.judge('https://agents.example.com/a2a'); // undefined: public
 */
export class AddressVerdicts {
  readonly #guard: Pick<SsrfGuard, 'check'>;
  readonly #cache: LRUCache<string, AddressVerdict, URL>;

  constructor(guard: Pick<SsrfGuard, 'check'>, options: AddressVerdictsOptions = {}) {
    this.#guard = guard;
    const unresolvedTtlMs = options.unresolvedTtlMs ?? 5_000;
    this.#cache = new LRUCache<string, AddressVerdict, URL>({
      max: options.maxHosts ?? 10_000,
      ttl: options.ttlMs ?? 60_000,
      ttlResolution: 0,
      ...(options.clock && { perf: options.clock }),
      // A stale verdict answers at once while the refresh runs.
      allowStale: true,
      noDeleteOnStaleGet: true,
      fetchMethod: async (_origin, _stale, { context, options: entry }) => {
        const verdict = await this.#ask(context);
        if (verdict.unresolved !== undefined) entry.ttl = unresolvedTtlMs;
        return verdict;
      },
    });
  }

  /** The guard's refusal (AM_ERR_SSRF_BLOCKED) of `url`, or `undefined`: a host that does not resolve (yet) is not refused. */
  async refusal(url: string | URL): Promise<AgentmeshError | undefined> {
    return (await this.judge(url)).refusal;
  }

  /** The guard's verdict on `url`. */
  async judge(url: string | URL): Promise<AddressVerdict> {
    let parsed: URL;
    try {
      parsed = new URL(typeof url === 'string' ? url : url.href);
    } catch {
      return this.#ask(String(url));
    }
    // What the guard judges without DNS (scheme, credentials) is asked each time; only origins are remembered.
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '') return this.#ask(parsed);
    return (await this.#cache.fetch(parsed.origin, { context: parsed })) ?? {};
  }

  async #ask(url: string | URL): Promise<AddressVerdict> {
    try {
      await this.#guard.check(url);
      return {};
    } catch (err) {
      return isAgentmeshError(err) && err.code === ErrorCodes.SSRF_BLOCKED ? { refusal: err } : { unresolved: err };
    }
  }
}
