/**
 * Lets the checkpointer hold the group commit for a moment: while the gate is
 * closed, queued writes wait (the event loop does not), so a PASSIVE
 * checkpoint can copy the last frames and the next commit starts the WAL from
 * the beginning. Writes are only delayed, never dropped.
 */
export class WriteGate {
  #closed = false;
  #waiting: Array<() => void> = [];

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  open(): void {
    if (!this.#closed) return;
    this.#closed = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const run of waiting) run();
  }

  /** Runs `run` once the gate is open: at once if it is. */
  whenOpen(run: () => void): void {
    if (this.#closed) this.#waiting.push(run);
    else run();
  }
}
