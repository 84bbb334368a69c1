import { setTimeout as delay } from 'node:timers/promises';
import { fullJitterBackoff } from '../push/index.js';

/** First retry waits up to this long, ms; each failure doubles the ceiling. */
const RETRY_BASE_MS = 500;
/** Never retry sooner than this, ms: a registry failing fast must not be hammered. */
const RETRY_FLOOR_MS = 100;

/**
 * Delay before the next try after `failures` failures in a row: full-jitter
 * exponential backoff up to `maxMs`, so a fleet of agents that lost the
 * registry together does not come back in lockstep.
 *
 * (A cockatiel retry policy would fit, but its delays cannot be interrupted:
 * `close()` would wait out a 10 s backoff before releasing the leases.)
 */
export function retryDelay(failures: number, maxMs: number, random: () => number = Math.random): number {
  return Math.max(RETRY_FLOOR_MS, fullJitterBackoff({ attempt: Math.max(0, failures - 1), baseMs: RETRY_BASE_MS, maxMs, random }));
}

/**
 * Waits `ms`; resolves `false` instead of throwing when `signal` aborts
 * first. The timer never keeps the process alive on its own.
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
