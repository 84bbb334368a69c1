import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one backoff of agentmesh: the delay before the next try after some
 * failures, for loops that keep their own count (a push outbox row, a
 * reconnecting watch, a failed audit batch, a workflow step). Pure
 * functions rather than cockatiel's iterator-style backoffs, because the
 * count often lives in a row, not in one retry loop; cockatiel stays where a
 * whole call is retried in memory (task writes, agent calls).
 */

/** Settings of {@link exponentialBackoff} and {@link fullJitterBackoff}, in ms. */
export interface ExponentialBackoffOptions {
  /** Failed attempts so far before this one (0 for the first failure). */
  attempt: number;
  /** The delay (or its ceiling, with jitter) after the first failure. */
  baseMs: number;
  /** Largest delay ever returned. */
  maxMs: number;
}

/**
 * `min(maxMs, baseMs * 2^attempt)`: the delay a caller that wants no jitter
 * waits (a workflow's declared retry), and the ceiling of a jittered one.
 *
 * @example
 * exponentialBackoff({ attempt: 3, baseMs: 100, maxMs: 30_000 }); // 800
 */
export function exponentialBackoff(options: ExponentialBackoffOptions): number {
  // 2^attempt overflows to Infinity past ~1023; min() keeps the ceiling finite.
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, options.attempt));
}

/**
 * Exponential backoff with full jitter, `random() * min(maxMs, baseMs *
 * 2^attempt)`, never under `floorMs`: full jitter spreads the retries of
 * many clients that failed together (a webhook outage, a registry restart)
 * instead of having them come back in lockstep.
 *
 * @param options.random - a `[0, 1)` source; `Math.random` in production, fixed in tests
 * @returns whole milliseconds in `[floorMs, max(floorMs, maxMs)]`
 *
 * @example
 * fullJitterBackoff({ attempt: 3, baseMs: 1000, maxMs: 300000, random: Math.random }); // 0 … 8000
 */
export function fullJitterBackoff(options: ExponentialBackoffOptions & { random: () => number; floorMs?: number }): number {
  const r = Math.min(Math.max(options.random(), 0), 1);
  return Math.max(options.floorMs ?? 0, Math.round(r * exponentialBackoff(options)));
}

/**
 * Waits `ms`; resolves `false` instead of throwing when `signal` aborts
 * first (interruptible, unlike a cockatiel retry's delay: a `close()` must
 * not wait out a backoff). The timer never keeps the process alive on its own.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await delay(ms, undefined, { signal, ref: false });
    return true;
  } catch {
    return false;
  }
}
