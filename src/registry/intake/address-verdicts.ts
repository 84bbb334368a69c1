import { LRUCache } from 'lru-cache';
import type { SsrfGuard } from '../../http/index.js';
import { ErrorCodes, isAgentmeshError, type AgentmeshError } from '../../protocol/index.js';

/** Options of {@link AddressVerdicts}. */
export interface AddressVerdictsOptions {
  /** How long a host's verdict is served before it is looked up again, ms. Default 60 s. */
  ttlMs?: number;
  /** Hosts remembered at most. Default 10,000. */
  maxHosts?: number;
  /** The clock ages are read from, ms; default `performance`. Tests pass one they move. */
  clock?: { now(): number };
}

/** What the registry learnt about an origin: the guard's refusal, or none. */
interface Verdict {
  refusal: AgentmeshError | undefined;
}

/**
 * The SSRF guard's verdict on the URLs a registration names (card
 * interfaces, instance endpoints), remembered per origin. Before a record
 * commits, the registry asks the guard whether a URL points at a forbidden
 * address; that takes a DNS lookup, and a registration must not pay for one
 * each time. A fleet registers many agents on the same few hosts, and a
 * resolver that loses an answer to concurrent queries (glibc retries after
 * its 5 s `timeout`) made every registration near another one wait 5 s.
 *
 * So concurrent checks of one origin share a single lookup, its verdict is
 * kept for `ttlMs`, and once stale it is still served while a fresh lookup
 * runs in the background: only the first registration naming a host ever
 * waits on DNS. This is the advisory check that gives a clear refusal
 * (AM_ERR_CARD_INTERFACE_REFUSED) at registration; the defence against DNS
 * rebinding stays where it was, at connect time, with a fresh lookup each
 * time (the prober's and gateway's connections).
 *
 * @example
 * const verdicts = new AddressVerdicts(guard);
 * const refusal = await verdicts.refusal('https://agents.example.com/a2a'); // undefined: public
 */
export class AddressVerdicts {
  readonly #guard: Pick<SsrfGuard, 'check'>;
  readonly #cache: LRUCache<string, Verdict, URL>;

  constructor(guard: Pick<SsrfGuard, 'check'>, options: AddressVerdictsOptions = {}) {
    this.#guard = guard;
    this.#cache = new LRUCache<string, Verdict, URL>({
      max: options.maxHosts ?? 10_000,
      ttl: options.ttlMs ?? 60_000,
      ttlResolution: 0,
      ...(options.clock && { perf: options.clock }),
      // A stale verdict answers at once while the refresh runs.
      allowStale: true,
      noDeleteOnStaleGet: true,
      fetchMethod: async (_origin, _stale, { context }) => ({ refusal: await this.#ask(context) }),
    });
  }

  /**
   * The guard's refusal (AM_ERR_SSRF_BLOCKED) of `url`, or `undefined` when
   * it may be named: a host that does not resolve (yet) is not refused here,
   * it is the health probe's business.
   */
  async refusal(url: string | URL): Promise<AgentmeshError | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(typeof url === 'string' ? url : url.href);
    } catch {
      return this.#ask(String(url));
    }
    // What the guard judges without DNS (scheme, credentials) is asked each time; only origins are remembered.
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '') return this.#ask(parsed);
    const verdict = await this.#cache.fetch(parsed.origin, { context: parsed });
    return verdict?.refusal;
  }

  async #ask(url: string | URL): Promise<AgentmeshError | undefined> {
    try {
      await this.#guard.check(url);
      return undefined;
    } catch (err) {
      return isAgentmeshError(err) && err.code === ErrorCodes.SSRF_BLOCKED ? err : undefined;
    }
  }
}
