/*
 * When the primary replaces a dead worker, and when it gives up: each slot
 * waits longer after each start-up failure in a row (a worker that died
 * before it listened), and five in a row end the fleet, non-zero, for the
 * process manager to see, instead of forking forever. A worker that dies
 * soon after it listened (within STABLE_MS) is not a fresh start either:
 * such exits in a row double the delay too, up to the longest, so a worker
 * that crashes at its first calls is not forked four times a second.
 */

/** Delay before the first restart of a slot, ms; doubled per start-up failure (or quick exit) in a row. */
const FIRST_DELAY_MS = 250;
/** Longest delay between restarts of a slot, ms. */
const MAX_DELAY_MS = 10_000;
/** A worker that listened for less than this before it died exited quickly, ms. */
const STABLE_MS = 10_000;

/** Per-slot back-off of worker restarts. */
export class RestartPolicy {
  /** Start-up failures in a row of one slot after which the primary gives up. */
  static readonly MAX_START_FAILURES = 5;
  readonly #startFailures = new Map<number, number>();
  readonly #quickExits = new Map<number, number>();
  readonly #listenedAt = new Map<number, number>();
  readonly #now: () => number;

  /** `now`: the clock, ms (a test's fake one). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The slot's worker listens: its run of start-up failures is over. */
  listened(slot: number): void {
    this.#startFailures.delete(slot);
    this.#listenedAt.set(slot, this.#now());
  }

  /**
   * The slot's worker exited unasked; `wasListening` says
   * whether it had started. Returns the delay before its replacement, ms, or
   * undefined when the slot has failed at start-up too often in a row.
   */
  exited(slot: number, wasListening: boolean): number | undefined {
    if (wasListening) {
      const quick = this.#now() - (this.#listenedAt.get(slot) ?? -Infinity) < STABLE_MS ? (this.#quickExits.get(slot) ?? 0) + 1 : 0;
      if (quick > 0) this.#quickExits.set(slot, quick);
      else this.#quickExits.delete(slot);
      return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, quick - 1));
    }
    const failures = (this.#startFailures.get(slot) ?? 0) + 1;
    if (failures >= RestartPolicy.MAX_START_FAILURES) return undefined;
    this.#startFailures.set(slot, failures);
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** failures);
  }
}
