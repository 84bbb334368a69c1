/**
 * Retry timing of push deliveries. Kept as two pure functions because the
 * attempt count lives in the outbox row, not in an in-memory retry loop:
 * iterator-style policies (cockatiel's backoffs) carry their own state and
 * would restart from zero on every claim, on every replica.
 */

/** Exponential backoff settings of {@link fullJitterBackoff}. */
export interface BackoffOptions {
  /** Ceiling of the first retry delay, in milliseconds. Default 1000 (1 s). */
  baseMs?: number;
  /** Largest delay ever returned, in milliseconds. Default 300000 (5 min). */
  maxMs?: number;
}

/** Default first-retry ceiling: 1 s. */
export const DEFAULT_BACKOFF_BASE_MS = 1_000;
/** Default largest delay: 5 min. */
export const DEFAULT_BACKOFF_MAX_MS = 5 * 60_000;

/**
 * Delay before retry number `attempt + 1`: exponential backoff with full
 * jitter, `random() * min(maxMs, baseMs * 2^attempt)`. Full jitter spreads
 * the retries of many notifications that failed together (a webhook outage)
 * instead of having them hammer the receiver in lockstep when it returns.
 *
 * @param options.attempt - failed attempts so far before this one (0 for the first failure)
 * @param options.random - a `[0, 1)` source; `Math.random` in production, fixed in tests
 * @returns whole milliseconds in `[0, maxMs]`
 *
 * @example
 * fullJitterBackoff({ attempt: 3, baseMs: 1000, maxMs: 300000, random: Math.random }); // 0 … 8000
 */
export function fullJitterBackoff(options: BackoffOptions & { attempt: number; random: () => number }): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  // 2^attempt overflows to Infinity past ~1023; min() keeps the ceiling finite.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, options.attempt));
  const r = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(r * ceiling);
}

/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds
 * or an HTTP-date. Returns the delay in milliseconds from `now`, or
 * `undefined` when the header is absent, malformed or in the past.
 *
 * @example
 * parseRetryAfter('120', Date.now()); // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()); // undefined (past)
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  const at = Date.parse(v);
  if (Number.isNaN(at) || at < now) return undefined;
  return at - now;
}
