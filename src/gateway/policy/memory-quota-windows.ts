/**
 * Request counters of one replica over fixed windows, each starting at its
 * key's first request: the in-memory quota (no Redis, or Redis unreachable).
 *
 * Why not rate-limiter-flexible's RateLimiterMemory and BurstyRateLimiter,
 * which this replaces with the same arithmetic: they answer through
 * promises (a new Promise per consume, a `catch` chain for the burst, a
 * result object each), and the gateway charges two quotas on every call.
 * Counting is a map lookup and an addition; done synchronously it costs
 * the call no promise and no turn of the microtask queue (docs/adr/0054).
 *
 * The arithmetic kept: a window holds `limit` requests; a request past it
 * is charged to the burst window (its own fixed window, started by its
 * first request), and is refused when that is spent too. Over the limit a
 * window keeps counting (a refused request is counted, as before). A
 * window's record is dropped once it has ended, by a timer per window
 * (unref'd), so keys that stop calling do not stay.
 */
interface Window {
  used: number;
  endsAt: number;
}

/** What a request was charged: the requests left in the main window and the ms before the tighter window ends. */
export interface WindowCharge {
  admitted: boolean;
  remaining: number;
  msBeforeNext: number;
}

class FixedWindows {
  readonly #windows = new Map<string, Window>();
  readonly #durationMs: number;

  constructor(durationMs: number) {
    this.#durationMs = durationMs;
  }

  /** Counts one request for `key`: its window, opened when there is none or it has ended. */
  take(key: string, now: number): Window {
    const open = this.#windows.get(key);
    if (open !== undefined && open.endsAt - now > 0) {
      open.used += 1;
      return open;
    }
    const window: Window = { used: 1, endsAt: now + this.#durationMs };
    this.#windows.set(key, window);
    const timer = setTimeout(() => {
      if (this.#windows.get(key) === window) this.#windows.delete(key);
    }, this.#durationMs);
    timer.unref();
    return window;
  }
}

/** One limit and burst (the pair a Quotas keeps one of per distinct setting). */
export class MemoryQuotaWindows {
  readonly #limit: number;
  readonly #burst: number;
  readonly #main: FixedWindows;
  readonly #bursts: FixedWindows | undefined;

  constructor(limit: number, burst: number, durationMs: number) {
    this.#limit = limit;
    this.#burst = burst;
    this.#main = new FixedWindows(durationMs);
    this.#bursts = burst > 0 ? new FixedWindows(durationMs) : undefined;
  }

  /** Charges one request to `key`. */
  charge(key: string, now: number): WindowCharge {
    const main = this.#main.take(key, now);
    const msMain = main.endsAt - now;
    if (main.used <= this.#limit) return { admitted: true, remaining: Math.max(this.#limit - main.used, 0), msBeforeNext: msMain };
    if (this.#bursts === undefined) return { admitted: false, remaining: 0, msBeforeNext: msMain };
    const burst = this.#bursts.take(key, now);
    return { admitted: burst.used <= this.#burst, remaining: 0, msBeforeNext: Math.min(msMain, burst.endsAt - now) };
  }
}
