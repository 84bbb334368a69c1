import { LRUCache } from 'lru-cache';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { Errors } from '../../protocol/index.js';
import { QUOTA_SCRIPT, QUOTA_WINDOW_MS, quotaKeyOf, quotaScriptArgs, readQuotaReply, type QuotaCounters } from './quota-script.js';
import type { QuotaCheck } from './quota-check.js';

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

/** The Redis command the quota script is defined as on the client (ioredis: EVALSHA, EVAL on NOSCRIPT). */
interface QuotaCommand {
  agentmeshQuota(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/**
 * Request quotas over fixed one-minute windows, each starting at its
 * counter's first request, with a burst allowance on top. With a Redis
 * client the counters are shared by every gateway replica: one script per
 * call (quota-script.ts, ADR 0026) charges every check of the call at once,
 * all or none. An in-memory limiter (rate-limiter-flexible) insures against
 * Redis being unreachable, so the gateway keeps limiting (per replica) rather
 * than failing open or closed; without Redis it is the only one.
 */
export class Quotas {
  readonly #redis: (Redis & QuotaCommand) | undefined;
  readonly #memory = new Map<string, RateLimiterAbstract | BurstyRateLimiter>();
  /** The end (epoch ms) of each shared counter's current window, as this replica last learned it. */
  readonly #windowEnds = new LRUCache<string, number>({ max: WINDOW_END_CACHE_SIZE });
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
      let counters: QuotaCounters;
      try {
        counters = await this.#shared(this.#redis, checks);
      } catch {
        // Redis unreachable (or failing): limit per replica meanwhile, as before it answered.
        return this.#admitInMemory(checks);
      }
      return this.#decide(checks, counters);
    }
    return this.#admitInMemory(checks);
  }

  async #shared(redis: Redis & QuotaCommand, checks: readonly QuotaCheck[]): Promise<QuotaCounters> {
    const now = this.#now();
    const { keys, args } = quotaScriptArgs(checks, (key) => {
      const end = this.#windowEnds.get(key);
      return end === undefined || end <= now;
    });
    const reply = readQuotaReply(await redis.agentmeshQuota(keys.length, ...keys, ...args), checks.length);
    for (const [i, counter] of reply.checks.entries()) if (counter.ttlMs !== undefined) this.#windowEnds.set(keys[2 * i]!, now + counter.ttlMs);
    return reply;
  }

  #decide(checks: readonly QuotaCheck[], counters: QuotaCounters): QuotaState {
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
    let tightest: QuotaState | undefined;
    for (const [i, check] of checks.entries()) {
      const remaining = Math.max(0, check.rpm - counters.checks[i]!.used);
      if (tightest === undefined || remaining < tightest.remaining) tightest = { limit: check.rpm, remaining, resetSeconds: Math.ceil(msLeft(i) / 1000) };
    }
    return tightest!;
  }

  async #admitInMemory(checks: readonly QuotaCheck[]): Promise<QuotaState | undefined> {
    let tightest: QuotaState | undefined;
    for (const check of checks) {
      const limiter = this.#memoryLimiter(check.rpm, check.burst);
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(check.key, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw refusal(check, err.msBeforeNext);
      }
      const state = { limit: check.rpm, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.ceil(res.msBeforeNext / 1000) };
      if (tightest === undefined || state.remaining < tightest.remaining) tightest = state;
    }
    return tightest;
  }

  #memoryLimiter(rpm: number, burst: number): RateLimiterAbstract | BurstyRateLimiter {
    const id = `${rpm}/${burst}`;
    let limiter = this.#memory.get(id);
    if (limiter === undefined) {
      const main = new RateLimiterMemory({ keyPrefix: `am:q:${id}`, points: rpm, duration: QUOTA_WINDOW_MS / 1000 });
      limiter = burst > 0 ? new BurstyRateLimiter(main, new RateLimiterMemory({ keyPrefix: `am:qb:${id}`, points: burst, duration: QUOTA_WINDOW_MS / 1000 })) : main;
      this.#memory.set(id, limiter);
    }
    return limiter;
  }
}

function refusal(check: QuotaCheck, msBeforeNext: number): Error {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const values = { quota: check.key.split(':')[0]!, limit: check.rpm, retryAfterSeconds: retryAfter };
  return check.burst > 0 ? Errors.quotaExceededWithBurst({ ...values, burst: check.burst }) : Errors.quotaExceeded(values);
}
