import { fullJitterBackoff } from '../../storage/index.js';

/** First retry waits up to this long, ms; each failure doubles the ceiling. */
const RETRY_BASE_MS = 500;
/** Never retry sooner than this, ms: a registry failing fast must not be hammered. */
const RETRY_FLOOR_MS = 100;

/**
 * Delay before the next try after `failures` failures in a row: full-jitter
 * exponential backoff up to `maxMs` (storage's one backoff), so a fleet of
 * agents that lost the registry together does not come back in lockstep.
 * Waited with storage's `pause`, which `close()` interrupts.
 */
export function retryDelay(failures: number, maxMs: number, random: () => number = Math.random): number {
  return fullJitterBackoff({ attempt: failures - 1, baseMs: RETRY_BASE_MS, maxMs, random, floorMs: RETRY_FLOOR_MS });
}
