/*
 * When the primary replaces a dead worker, and when it gives up: each slot
 * waits longer after each start-up failure in a row (a worker that died
 * before it listened), and five in a row end the fleet, non-zero, for the
 * process manager to see, instead of forking forever.
 */

/** Delay before the first restart of a slot, ms; doubled per start-up failure in a row. */
const FIRST_DELAY_MS = 250;
/** Longest delay between restarts of a slot, ms. */
const MAX_DELAY_MS = 10_000;

/** Per-slot back-off of worker restarts. */
export class RestartPolicy {
  /** Start-up failures in a row of one slot after which the primary gives up. */
  static readonly MAX_START_FAILURES = 5;
  readonly #startFailures = new Map<number, number>();

  /** The slot's worker listens: its run of start-up failures is over. */
  listened(slot: number): void {
    this.#startFailures.delete(slot);
  }

  /**
   * The slot's worker exited unasked; `wasListening` says whether it had
   * started. Returns the delay before its replacement, ms, or undefined when
   * the slot has failed at start-up too often in a row.
   */
  exited(slot: number, wasListening: boolean): number | undefined {
    const failures = wasListening ? 0 : (this.#startFailures.get(slot) ?? 0) + 1;
    if (failures >= RestartPolicy.MAX_START_FAILURES) return undefined;
    if (failures > 0) this.#startFailures.set(slot, failures);
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** failures);
  }
}
