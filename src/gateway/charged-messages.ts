import { RecentlyClosed } from './credits/recently-closed.js';

/** MessageIds remembered per gateway process: at least the newest this many, at most twice as many. */
const MAX_ENTRIES = 100_000;
/** As long as the runtime answers a retry with its task (its messageId index keeps 24 hours, ADR 0002). */
const TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The messageIds whose call this gateway process charged for a task: the
 * record by key that tells a credit-short repeat of one from a new call
 * (ADR 0046, third addendum). A task's hold is moved from its messageId's
 * key to its task's once the answer names the task, so the ledger alone no
 * longer finds it by messageId; this remembers that move, keyed by agent,
 * tenant and messageId, for as long as the runtime would answer a retry.
 *
 * It is only a filter: a messageId found here makes the gateway forward a
 * call it cannot hold as retry-only, and the runtime still decides whether
 * it is a retry (else it refuses it as short of credit). A messageId missing
 * here (charged by another replica, or before a restart) keeps the 402.
 */
export class ChargedMessages {
  /**
   * When each was charged (epoch ms): the age is checked on read (ADR 0046, third addendum). Two
   * generations of `Map`s, not an LRU cache: every priced task's call adds one here, and lru-cache's
   * set cost three lookups of its 100,000-key map (its own, the set's, the evicted key's delete) and
   * its option handling; a generation's set is one
   * (docs/perf-journal/gateway-and-fleet-2026-11-28.md, "Per-call cuts on an Intel host").
   */
  readonly #entries: RecentlyClosed<number>;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { max?: number | undefined; ttlMs?: number | undefined; now?: (() => number) | undefined } = {}) {
    this.#entries = new RecentlyClosed(options.max ?? MAX_ENTRIES);
    this.#ttlMs = options.ttlMs ?? TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Records that `messageId`'s call to `agent` for `tenant` was charged (or is held) under its task's key. */
  charged(agent: string, tenant: string, messageId: string): void {
    this.#entries.set(keyOf(agent, tenant, messageId), this.#now());
  }

  /** Whether `messageId`'s call to `agent` for `tenant` was charged here, within the retry window. */
  has(agent: string, tenant: string, messageId: string): boolean {
    const key = keyOf(agent, tenant, messageId);
    const at = this.#entries.get(key);
    if (at === undefined || this.#now() - at >= this.#ttlMs) return false;
    // Found: kept with the newest again (as a read kept it in the LRU), its charge time unchanged.
    this.#entries.set(key, at);
    return true;
  }
}

function keyOf(agent: string, tenant: string, messageId: string): string {
  return `${agent}\u0000${tenant}\u0000${messageId}`;
}
