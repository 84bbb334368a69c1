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

/** `Retry-After` as every agentmesh client reads it (kept here for this module's importers). */
export { parseRetryAfter } from '../../protocol/index.js';
