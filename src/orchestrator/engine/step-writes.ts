import type { RunStore, StepRecord } from './run-store.js';

/** How long a write nobody waits for at once may wait for others to join its statement, ms. */
const GATHER_MS = 10;

/**
 * A run's step-record writes, gathered: the writes asked for while one is
 * on its way go together in the next statement (one per path, the latest).
 * Each caller's promise settles when its record is stored, so a step still
 * waits for its own record; a map's concurrent units end in one statement
 * instead of one each (the query building and the statement are most of a
 * unit's cost to the orchestrator, docs/adr/0079-maps-paged.md).
 *
 * A write nobody waits for at once (a map unit's completed record: the map
 * waits for them all at its end) may be gathered a few milliseconds more,
 * so units ending close together share a statement rather than each
 * finding the last one gone: fewer statements for the database to parse,
 * plan and commit. A write someone waits for goes at once, with what was
 * gathered.
 */
export class StepWrites {
  readonly #store: RunStore;
  readonly #runId: string;
  #pending = new Map<string, StepRecord>();
  #waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  /** Whether a statement is on its way (the records asked for meanwhile wait for the next). */
  #flushing = false;
  /** The timer of gathered writes, while they wait. */
  #gathering: NodeJS.Timeout | undefined;

  constructor(store: RunStore, runId: string) {
    this.#store = store;
    this.#runId = runId;
  }

  /** Stores `record`; with `gather`, after up to {@link GATHER_MS} more for others to join it. */
  put(record: StepRecord, options: { gather?: boolean } = {}): Promise<void> {
    this.#pending.set(record.path, record);
    const stored = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    if (this.#flushing) return stored;
    if (options.gather === true) {
      this.#gathering ??= setTimeout(() => this.#start(), GATHER_MS);
      return stored;
    }
    this.#start();
    return stored;
  }

  #start(): void {
    clearTimeout(this.#gathering);
    this.#gathering = undefined;
    if (this.#flushing) return;
    this.#flushing = true;
    // #flush settles every waiter itself, rejections included.
    void this.#flush();
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
