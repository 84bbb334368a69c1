/**
 * What the console's in-memory histories share: a sample now, then one every
 * `intervalMs` (default 10 s) on a timer that does not hold the process open,
 * each series a ring of at most `capacity` points (default 360: an hour).
 */

/** Sampling options of a console history. */
export interface SamplingOptions {
  /** Sampling period. Default 10,000 ms. */
  intervalMs?: number;
  /** Points kept per series. Default 360 (one hour at 10 s). */
  capacity?: number;
  clock?: () => number;
}

/** A history sampled on a timer: a subclass says what one sample records. */
export abstract class SampledHistory {
  protected readonly intervalMs: number;
  protected readonly capacity: number;
  protected readonly clock: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SamplingOptions) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.capacity = options.capacity ?? 360;
    this.clock = options.clock ?? Date.now;
  }

  /** Takes a first sample now, then one every interval. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.record();
    this.#timer = setInterval(() => void this.record(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Samples once and keeps the point (the timer's work; tests call it directly). */
  abstract record(): void | Promise<void>;

  /** Appends `point` to `ring`, dropping the oldest beyond the capacity. */
  protected keep<T>(ring: T[], point: T): void {
    ring.push(point);
    if (ring.length > this.capacity) ring.shift();
  }
}
