import { setTimeout as delay } from 'node:timers/promises';

/** First reconnection waits up to this long, ms; each failure doubles the ceiling. */
const BASE_MS = 250;
/** Never sooner than this, ms: a registry that fails fast must not be hammered. */
const FLOOR_MS = 50;

/**
 * Delay before the next attempt after `failures` failures in a row:
 * exponential backoff with full jitter, capped at `maxMs`, so gateway
 * replicas that lost the registry together do not come back in lockstep.
 */
export function reconnectDelay(failures: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, BASE_MS * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.max(FLOOR_MS, Math.floor(ceiling * Math.min(Math.max(random(), 0), 1)));
}

/**
 * Waits `ms`; resolves false instead of throwing when `signal` aborts first.
 * (Interruptible, unlike a cockatiel retry's delay: `close()` must not wait
 * out a backoff.) The timer never keeps the process alive on its own.
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
