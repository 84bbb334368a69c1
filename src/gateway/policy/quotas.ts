import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import { Errors } from '../../protocol/index.js';
import { QUOTA_SCRIPT, QUOTA_WINDOW_MS, quotaBlockOf, quotaKeyOf, quotaScriptArgs, readQuotaReply, type QuotaCounters } from './quota-script.js';
import type { QuotaCheck } from './quota-check.js';
import { MemoryQuotaWindows } from './memory-quota-windows.js';

export { burstKeyOf, quotaKeyOf } from './quota-script.js';
export type { QuotaCheck } from './quota-check.js';

/** The tightest limit a request was charged against (for RateLimit headers). */
export interface QuotaState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Seed 000's default: 1,000 requests per minute. */
export const DEFAULT_RPM = 1000;

/** Window ends remembered per counter, so a replica asks Redis for a counter's TTL once per window. */
const WINDOW_END_CACHE_SIZE = 10_000;

/**
 * Requests this replica claimed from a shared counter and has not spent yet,
 * in the counter's current window: `left` of them, the counter having read
 * `claimedUpTo` when the last were claimed.
 */
interface LocalUnits {
  left: number;
  claimedUpTo: number;
  windowEnd: number;
}

/** The Redis command the quota script is defined as on the client (ioredis: EVALSHA, EVAL on NOSCRIPT). */
interface QuotaCommand {
  agentmeshQuota(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/**
 * Request quotas over fixed one-minute windows, each starting at its
 * counter's first request, with a burst allowance on top. With a Redis
 * client the counters are shared by every gateway replica: one script
 * (quota-script.ts, ADR 0026) charges every check of a call at once, all or
 * none. Far from its limit a check is charged in claims (ADR 0048): the
 * script takes a hundredth of the limit (at most 64) from the shared
 * counter, and this replica spends the rest on its next calls without a
 * round trip, in that window only. The counter thus never holds fewer than
 * the requests admitted (no replica admits more than the limit and burst
 * allow); what another replica claimed and has not spent yet may refuse a
 * call early, at most a claim per replica and window. An in-memory limiter (memory-quota-windows.ts) insures against
 * Redis being unreachable, so the gateway keeps limiting (per replica) rather
 * than failing open or closed; without Redis it is the only one.
 */
export class Quotas {
  readonly #redis: (Redis & QuotaCommand) | undefined;
  /** By requests per minute, then burst: looked up by the numbers, with no key string built per check of every call. */
  readonly #memory = new Map<number, Map<number, MemoryQuotaWindows>>();
  /** The end (epoch ms) of each shared counter's current window, as this replica last learned it. */
  readonly #windowEnds = new LRUCache<string, number>({ max: WINDOW_END_CACHE_SIZE });
  /** Requests claimed from each shared counter and not spent yet (by counter key). */
  readonly #units = new LRUCache<string, LocalUnits>({ max: WINDOW_END_CACHE_SIZE });
  /**
   * Counters with a claim in flight, and the claim: a call that finds no
   * request left waits for it once rather than claiming too, so a replica
   * holds at most one claim unspent per counter.
   */
  readonly #claiming = new Map<string, Promise<unknown>>();
  readonly #now: () => number;

  constructor(options: { redis?: Redis | undefined; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    if (options.redis) {
      // defineCommand sends EVALSHA, and EVAL (which loads the script) when the server answers NOSCRIPT.
      options.redis.defineCommand('agentmeshQuota', { lua: QUOTA_SCRIPT });
      this.#redis = options.redis as Redis & QuotaCommand;
    }
  }

  /** Charges one request against every check (all or none); refuses with 429 data when any is spent. */
  async admit(checks: readonly QuotaCheck[]): Promise<QuotaState | undefined> {
    if (checks.length === 0) return undefined;
    if (this.#redis !== undefined) {
      const inFlight = this.#claimsToWaitFor(checks);
      // Its outcome is read from the units it leaves; a failed claim leaves none, and this call then asks Redis itself.
      if (inFlight !== undefined) await inFlight;
      const now = this.#now();
      // The checks this replica still holds claimed requests for are charged here; the others go to Redis.
      const spent: LocalUnits[] = [];
      const states: (QuotaState | undefined)[] = [];
      const remote: QuotaCheck[] = [];
      for (const check of checks) {
        const key = quotaKeyOf(check);
        const units = this.#units.get(key);
        if (units !== undefined && units.left > 0 && units.windowEnd > now) {
          units.left--;
          spent.push(units);
          states.push({ limit: check.rpm, remaining: Math.max(0, check.rpm - (units.claimedUpTo - units.left)), resetSeconds: Math.ceil((units.windowEnd - now) / 1000) });
        } else {
          remote.push(check);
          states.push(undefined);
        }
      }
      if (remote.length === 0) return tightestOf(states as QuotaState[]);
      let counters: QuotaCounters;
      try {
        counters = await this.#shared(this.#redis, remote, now);
      } catch {
        // Redis unreachable (or failing): limit per replica meanwhile, as before it answered.
        for (const units of spent) units.left++;
        return this.#admitInMemory(checks);
      }
      let decided: QuotaState[];
      try {
        decided = this.#decide(remote, counters);
      } catch (err) {
        // Refused: all or none, so the requests spent here for the other checks are given back.
        for (const units of spent) units.left++;
        throw err;
      }
      let next = 0;
      return tightestOf(states.map((state) => state ?? decided[next++]!));
    }
    return this.#admitInMemory(checks);
  }

  async #shared(redis: Redis & QuotaCommand, checks: readonly QuotaCheck[], now: number): Promise<QuotaCounters> {
    const claims: string[] = [];
    const { keys, args } = quotaScriptArgs(
      checks,
      (key) => {
        const end = this.#windowEnds.get(key);
        return end === undefined || end <= now;
      },
      (check) => {
        const key = quotaKeyOf(check);
        const block = this.#claiming.has(key) ? 1 : quotaBlockOf(check);
        if (block > 1) claims.push(key);
        return block;
      },
    );
    // Settled once this reply's units are stored (or the script failed): a call waiting on it then finds them.
    let settle!: () => void;
    const claim = new Promise<void>((resolve) => (settle = resolve));
    for (const key of claims) this.#claiming.set(key, claim);
    let reply: QuotaCounters;
    try {
      reply = readQuotaReply(await redis.agentmeshQuota(keys.length, ...keys, ...args), checks.length);
      for (const [i, counter] of reply.checks.entries()) {
        const key = keys[2 * i]!;
        if (counter.ttlMs !== undefined) this.#windowEnds.set(key, now + counter.ttlMs);
        // This request took one of what was granted; the rest are spent by the next calls here, within this window.
        const windowEnd = this.#windowEnds.get(key);
        if (counter.granted > 1 && windowEnd !== undefined) {
          const held = this.#units.get(key);
          // Claims that were in flight together add up (each learned the window's end to the millisecond of its own reply).
          if (held !== undefined && held.left > 0 && held.windowEnd > now) {
            held.left += counter.granted - 1;
            held.claimedUpTo = Math.max(held.claimedUpTo, counter.used);
            held.windowEnd = Math.min(held.windowEnd, windowEnd);
          } else this.#units.set(key, { left: counter.granted - 1, claimedUpTo: counter.used, windowEnd });
        }
      }
    } finally {
      for (const key of claims) if (this.#claiming.get(key) === claim) this.#claiming.delete(key);
      settle();
    }
    return reply;
  }

  /** The claims in flight for the checks this replica holds no request of, if any. */
  #claimsToWaitFor(checks: readonly QuotaCheck[]): Promise<unknown> | undefined {
    if (this.#claiming.size === 0) return undefined;
    const now = this.#now();
    let waits: Promise<unknown>[] | undefined;
    for (const check of checks) {
      const key = quotaKeyOf(check);
      const claim = this.#claiming.get(key);
      if (claim === undefined) continue;
      const units = this.#units.get(key);
      if (units !== undefined && units.left > 0 && units.windowEnd > now) continue;
      (waits ??= []).push(claim);
    }
    return waits === undefined ? undefined : waits.length === 1 ? waits[0] : Promise.all(waits);
  }

  /** Per check, the state it admitted the call with; throws the refusal when one refused. */
  #decide(checks: readonly QuotaCheck[], counters: QuotaCounters): QuotaState[] {
    const now = this.#now();
    const msLeft = (i: number): number => {
      const known = counters.checks[i]!.ttlMs;
      if (known !== undefined) return known;
      const end = this.#windowEnds.get(quotaKeyOf(checks[i]!));
      return end === undefined ? QUOTA_WINDOW_MS : Math.max(0, end - now);
    };
    if (counters.refused !== undefined) {
      const check = checks[counters.refused]!;
      throw refusal(check, Math.min(msLeft(counters.refused), counters.checks[counters.refused]!.burstTtlMs ?? Number.POSITIVE_INFINITY));
    }
    return checks.map((check, i) => {
      const counter = counters.checks[i]!;
      // Requests granted beyond this one are held here, not used yet: they are not taken from what remains.
      const remaining = Math.max(0, check.rpm - (counter.used - counter.granted + 1));
      return { limit: check.rpm, remaining, resetSeconds: Math.ceil(msLeft(i) / 1000) };
    });
  }

  /** The counters are this replica's alone (no Redis): {@link admitInProcess} charges them without a promise. */
  get inProcess(): boolean {
    return this.#redis === undefined;
  }

  /**
   * {@link admit} for a replica without Redis, synchronously: what the
   * gateway calls on every request when its quotas are in process (a refusal
   * is thrown, not a rejected promise).
   */
  admitInProcess(checks: readonly QuotaCheck[]): QuotaState | undefined {
    return checks.length === 0 ? undefined : this.#chargeInMemory(checks);
  }

  async #admitInMemory(checks: readonly QuotaCheck[]): Promise<QuotaState | undefined> {
    return this.#chargeInMemory(checks);
  }

  /** Each check in turn; the first refusal is thrown (what earlier checks charged stays charged, as it always did in memory). */
  #chargeInMemory(checks: readonly QuotaCheck[]): QuotaState | undefined {
    let tightest: QuotaState | undefined;
    const now = Date.now();
    for (const check of checks) {
      const charge = this.#memoryWindows(check.rpm, check.burst).charge(check.key, now);
      if (!charge.admitted) throw refusal(check, charge.msBeforeNext);
      const state = { limit: check.rpm, remaining: charge.remaining, resetSeconds: Math.ceil(charge.msBeforeNext / 1000) };
      if (tightest === undefined || state.remaining < tightest.remaining) tightest = state;
    }
    return tightest;
  }

  #memoryWindows(rpm: number, burst: number): MemoryQuotaWindows {
    let byBurst = this.#memory.get(rpm);
    if (byBurst === undefined) {
      byBurst = new Map();
      this.#memory.set(rpm, byBurst);
    }
    let windows = byBurst.get(burst);
    if (windows === undefined) {
      windows = new MemoryQuotaWindows(rpm, burst, QUOTA_WINDOW_MS);
      byBurst.set(burst, windows);
    }
    return windows;
  }
}

/** The state of the tightest limit (the fewest requests remaining). */
function tightestOf(states: readonly QuotaState[]): QuotaState {
  let tightest = states[0]!;
  for (const state of states) if (state.remaining < tightest.remaining) tightest = state;
  return tightest;
}

function refusal(check: QuotaCheck, msBeforeNext: number): Error {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const values = { quota: check.key.split(':')[0]!, limit: check.rpm, retryAfterSeconds: retryAfter };
  return check.burst > 0 ? Errors.quotaExceededWithBurst({ ...values, burst: check.burst }) : Errors.quotaExceeded(values);
}
