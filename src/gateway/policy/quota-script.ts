/**
 * The one Redis script a call's quotas cost (ADR 0026): every check of the
 * call (the client's on the agent, the tenant's) charged in one round trip,
 * atomically, all or none. Each check is a fixed one-minute window starting
 * at its counter's first request, plus a burst allowance counted the same
 * way once the window's requests are spent, with the counters and their
 * meaning rate-limiter-flexible gave them (so replicas of the previous
 * version share them during a rolling upgrade).
 *
 * A replica claims requests in blocks while a counter is far from its limit
 * ({@link quotaBlockOf}; quotas.ts spends them locally), so most calls send
 * no script at all; near the limit it charges one request at a time.
 *
 * On the common path the script runs one INCR (or INCRBY) per check: a counter's TTL
 * (the RateLimit-Reset header) is read only when the caller does not know
 * its window's end yet (once per counter and window on each replica) or the
 * check is over its limit (Retry-After must be exact).
 */
import type { QuotaCheck } from './quota-check.js';

/** Length of a quota window, ms (requests per minute). */
export const QUOTA_WINDOW_MS = 60_000;

/**
 * The most requests a replica claims from a shared counter at once, and the
 * share of the limit a claim may be (1/100): a client allowed 1,000 a minute
 * is charged in claims of 10, one of 10,000 or more in claims of 64, one of
 * fewer than 200 one request at a time, as before.
 */
export const MAX_QUOTA_BLOCK = 64;

/** The requests a replica claims at once from a check's shared counter (quotas.ts: local units); 1 charges each request in Redis. */
export function quotaBlockOf(check: { rpm: number }): number {
  return Math.max(1, Math.min(MAX_QUOTA_BLOCK, Math.floor(check.rpm / 100)));
}

/**
 * KEYS: per check, its counter then its burst counter. ARGV: the window (ms),
 * then per check its limit, its burst, whether its TTL is wanted ('1') and
 * the block it would claim (1: just this request). Reply: the 1-based index
 * of the refusing check (0: admitted), then per check its count, its
 * counter's TTL, its burst counter's TTL (ms; -3 when not read) and the
 * requests granted (the block, or 1; 0 when not charged).
 *
 * A block is granted only while the counter stays within the limit with it:
 * a claim that would cross the limit is taken back to one request, counted
 * exactly as a lone INCR (so the burst and the refusals near the limit are
 * what they were). The counter thus counts requests claimed, never fewer
 * than those admitted.
 */
export const QUOTA_SCRIPT = `
local window = tonumber(ARGV[1])
local n = #KEYS / 2
local reply = {0}
local extras = {}
local grants = {}
for i = 1, n do
  local main, spare = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, burst, want, block = tonumber(ARGV[4 * i - 2]), tonumber(ARGV[4 * i - 1]), ARGV[4 * i] == '1', tonumber(ARGV[4 * i + 1])
  local used, grant
  if block > 1 then
    used = redis.call('INCRBY', main, block)
    grant = block
    if used > limit then
      used = redis.call('DECRBY', main, block - 1)
      grant = 1
    end
  else
    used = redis.call('INCR', main)
    grant = 1
  end
  local ttl, spareTtl = -3, -3
  if used == grant then
    redis.call('PEXPIRE', main, window)
    ttl = window
  elseif want or used > limit then
    ttl = redis.call('PTTL', main)
    if ttl < 0 then
      redis.call('PEXPIRE', main, window)
      ttl = window
    end
  end
  local extra = 0
  local refused = false
  if used > limit then
    if burst > 0 then
      extra = redis.call('INCR', spare)
      if extra == 1 then
        redis.call('PEXPIRE', spare, window)
        spareTtl = window
      else
        spareTtl = redis.call('PTTL', spare)
        if spareTtl < 0 then
          redis.call('PEXPIRE', spare, window)
          spareTtl = window
        end
      end
      refused = extra > burst
    else
      refused = true
    end
  end
  extras[i] = extra
  grants[i] = grant
  reply[4 * i - 2] = used
  reply[4 * i - 1] = ttl
  reply[4 * i] = spareTtl
  reply[4 * i + 1] = grant
  if refused then
    -- All or none: the checks that admitted the call give back what they claimed; the refusing one keeps its count.
    for j = 1, i - 1 do
      redis.call('DECRBY', KEYS[2 * j - 1], grants[j])
      if extras[j] > 0 then redis.call('DECR', KEYS[2 * j]) end
      reply[4 * j + 1] = 0
    end
    reply[4 * i + 1] = 0
    for j = i + 1, n do
      reply[4 * j - 2] = 0
      reply[4 * j - 1] = -3
      reply[4 * j] = -3
      reply[4 * j + 1] = 0
    end
    reply[1] = i
    return reply
  end
end
return reply
`;

/** The Redis key of a check's counter (the name rate-limiter-flexible gave it). */
export function quotaKeyOf(check: QuotaCheck): string {
  return `am:q:${check.rpm}/${check.burst}:${check.key}`;
}

/** The Redis key of a check's burst counter. */
export function burstKeyOf(check: QuotaCheck): string {
  return `am:qb:${check.rpm}/${check.burst}:${check.key}`;
}

/**
 * The script's keys and arguments for `checks`; `wantTtl(counterKey)` says
 * whether a counter's window end is unknown here, `block(check)` how many
 * requests to claim (1: this one alone).
 */
export function quotaScriptArgs(checks: readonly QuotaCheck[], wantTtl: (counterKey: string) => boolean, block: (check: QuotaCheck) => number = () => 1): { keys: string[]; args: (string | number)[] } {
  const keys: string[] = [];
  const args: (string | number)[] = [QUOTA_WINDOW_MS];
  for (const check of checks) {
    const key = quotaKeyOf(check);
    keys.push(key, burstKeyOf(check));
    args.push(check.rpm, check.burst, wantTtl(key) ? '1' : '0', block(check));
  }
  return { keys, args };
}

/** One check's counters after the script. */
export interface QuotaCounter {
  /** Requests counted in the window so far, this one included (0: not charged, a check before it refused). */
  used: number;
  /** Time left in the counter's window, ms, when the script read it. */
  ttlMs: number | undefined;
  /** Time left in the burst counter's window, ms, when the script read it. */
  burstTtlMs: number | undefined;
  /** Requests the counter was charged for this claim: the block asked for, 1 near the limit, 0 when not charged. */
  granted: number;
}

/** What the script answered. */
export interface QuotaCounters {
  /** The index of the check that refused the call; undefined when admitted. */
  refused: number | undefined;
  checks: QuotaCounter[];
}

/** Reads the script's reply; throws on a reply of another shape (then the caller limits in memory). */
export function readQuotaReply(reply: unknown, checks: number): QuotaCounters {
  if (!Array.isArray(reply) || reply.length !== 1 + 4 * checks || !reply.every((v) => typeof v === 'number')) throw new Error('the quota script answered an unexpected reply');
  const values = reply as number[];
  const ms = (v: number): number | undefined => (v >= 0 ? v : undefined);
  const counters: QuotaCounter[] = [];
  for (let i = 0; i < checks; i++) counters.push({ used: values[1 + 4 * i]!, ttlMs: ms(values[2 + 4 * i]!), burstTtlMs: ms(values[3 + 4 * i]!), granted: values[4 + 4 * i]! });
  return { refused: values[0]! > 0 ? values[0]! - 1 : undefined, checks: counters };
}
