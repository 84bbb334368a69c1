import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { Errors } from '../../protocol/index.js';

/** One limit to charge a request against: `rpm` requests per minute plus `burst` extra. */
export interface QuotaCheck {
  /** What is limited, e.g. `client:amc_1:agent:lead-scorer` or `tenant:acme`. */
  key: string;
  rpm: number;
  burst: number;
}

/** The tightest limit a request was charged against (for RateLimit headers). */
export interface QuotaState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Seed 000's default: 1,000 requests per minute. */
export const DEFAULT_RPM = 1000;

/**
 * Request quotas over fixed one-minute windows, with a burst allowance on
 * top (rate-limiter-flexible's BurstyRateLimiter). With a Redis client the
 * counters are shared by every gateway replica (atomic Lua increments); an
 * in-memory limiter insures against Redis being unreachable, so the gateway
 * keeps limiting (per replica) rather than failing open or closed.
 */
export class Quotas {
  readonly #redis: Redis | undefined;
  readonly #limiters = new Map<string, RateLimiterAbstract | BurstyRateLimiter>();

  constructor(options: { redis?: Redis | undefined } = {}) {
    this.#redis = options.redis;
  }

  /** Charges one request against every check; refuses with 429 data when any is spent. */
  async admit(checks: readonly QuotaCheck[]): Promise<QuotaState | undefined> {
    let tightest: QuotaState | undefined;
    for (const check of checks) {
      const limiter = this.#limiter(check.rpm, check.burst);
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(check.key, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        const values = { quota: check.key.split(':')[0]!, limit: check.rpm, retryAfterSeconds: retryAfter };
        throw check.burst > 0 ? Errors.quotaExceededWithBurst({ ...values, burst: check.burst }) : Errors.quotaExceeded(values);
      }
      const state = { limit: check.rpm, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.ceil(res.msBeforeNext / 1000) };
      if (tightest === undefined || state.remaining < tightest.remaining) tightest = state;
    }
    return tightest;
  }

  #limiter(rpm: number, burst: number): RateLimiterAbstract | BurstyRateLimiter {
    const id = `${rpm}/${burst}`;
    let limiter = this.#limiters.get(id);
    if (limiter === undefined) {
      const main = this.#make(`am:q:${id}`, rpm);
      limiter = burst > 0 ? new BurstyRateLimiter(main, this.#make(`am:qb:${id}`, burst)) : main;
      this.#limiters.set(id, limiter);
    }
    return limiter;
  }

  #make(keyPrefix: string, points: number): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    if (!this.#redis) return memory;
    return new RateLimiterRedis({ storeClient: this.#redis, keyPrefix, points, duration: 60, insuranceLimiter: memory, useRedisPackage: false });
  }
}
