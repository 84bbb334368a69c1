import type { RunStore, StepRecord } from './run-store.js';

/**
 * A run's step-record writes, gathered: the writes asked for while one is
 * on its way go together in the next statement (one per path, the latest).
 * Each caller's promise settles when its record is stored, so a step still
 * waits for its own record; a map's concurrent units end in one statement
 * instead of one each (the query building and the statement are most of a
 * unit's cost to the orchestrator, docs/adr/0079-maps-paged.md).
 */
export class StepWrites {
  readonly #store: RunStore;
  readonly #runId: string;
  #pending = new Map<string, StepRecord>();
  #waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  /** Whether a statement is on its way (the records asked for meanwhile wait for the next). */
  #flushing = false;

  constructor(store: RunStore, runId: string) {
    this.#store = store;
    this.#runId = runId;
  }

  put(record: StepRecord): Promise<void> {
    this.#pending.set(record.path, record);
    const stored = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    if (!this.#flushing) {
      this.#flushing = true;
      // #flush settles every waiter itself, rejections included.
      void this.#flush();
    }
    return stored;
  }

  async #flush(): Promise<void> {
    while (this.#pending.size > 0) {
      const records = [...this.#pending.values()];
      const waiting = this.#waiting;
      this.#pending = new Map();
      this.#waiting = [];
      try {
        await this.#store.putSteps(this.#runId, records);
        for (const w of waiting) w.resolve();
      } catch (err) {
        for (const w of waiting) w.reject(err);
      }
    }
    this.#flushing = false;
  }
}
