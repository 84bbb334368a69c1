import { fullJitterBackoff } from '../../storage/index.js';

/** First reconnection waits up to this long, ms; each failure doubles the ceiling. */
const BASE_MS = 250;
/** Never sooner than this, ms: a registry that fails fast must not be hammered. */
const FLOOR_MS = 50;

/**
 * Delay before the next attempt after `failures` failures in a row:
 * exponential backoff with full jitter (storage's one backoff), capped at
 * `maxMs`, so gateway replicas that lost the registry together do not come
 * back in lockstep. Waited with storage's `pause`, which `stop()` interrupts.
 */
export function reconnectDelay(failures: number, maxMs: number, random: () => number): number {
  return fullJitterBackoff({ attempt: failures - 1, baseMs: BASE_MS, maxMs, random, floorMs: FLOOR_MS });
}
