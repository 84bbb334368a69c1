/**
 * Retry timing of push deliveries: the backoff settings (the delay itself is
 * storage's `fullJitterBackoff`, the one backoff, fed the outbox row's
 * attempt count) and the receiver's `Retry-After`.
 */

/** Exponential backoff settings of push deliveries (storage's `fullJitterBackoff`). */
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
/** Default delay after an origin's first failure before it is probed: 1 s. */
export const DEFAULT_ORIGIN_BACKOFF_BASE_MS = 1_000;
/**
 * Default largest delay between two probes of a failing origin: 5 s. One
 * request per origin for the whole fleet costs a down receiver nothing, and
 * a receiver back from an outage waits at most this long for its backlog.
 */
export const DEFAULT_ORIGIN_BACKOFF_MAX_MS = 5_000;

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
