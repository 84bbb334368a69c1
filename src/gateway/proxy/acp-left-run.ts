import type { BlockingRunWatch } from './acp-bridge-handler.js';

/** How long a blocking send whose client left waits for its run's id before letting go of the ACP request (10 s). */
export const LEFT_RUN_GRACE_MS = 10_000;

/**
 * A blocking send whose client leaves before the answer: nobody can read
 * that run (its id never reached the client) nor pays for it (the hold is
 * refunded), so it is cancelled on the ACP side. Its id comes with the
 * stream's first event: a client that leaves before it keeps the ACP
 * request open until then (at most {@link LEFT_RUN_GRACE_MS}), then cancels.
 * Other calls let go of the ACP request at once.
 */
export class LeftRun implements BlockingRunWatch {
  runId: string | undefined;
  #blocking = false;
  #left = false;
  #done = false;
  #ended = false;
  #grace: NodeJS.Timeout | undefined;
  readonly #abort: AbortController;
  readonly #cancel: (runId: string) => void;

  constructor(o: { abort: AbortController; cancel: (runId: string) => void }) {
    this.#abort = o.abort;
    this.#cancel = o.cancel;
  }

  clientLeft(): void {
    if (this.#done) return;
    this.#left = true;
    if (this.#blocking && this.runId === undefined) {
      this.#grace = setTimeout(() => this.#abort.abort(), LEFT_RUN_GRACE_MS).unref();
      return;
    }
    // A run that ended before its answer went out has nothing left to cancel (an awaiting one waits for a client that is gone: cancelled).
    if (this.#blocking && !this.#ended) this.#cancel(this.runId!);
    this.#abort.abort();
  }

  starting(): void {
    this.#blocking = true;
    // Left before the run was even asked for: nothing to wait for.
    if (this.#left) this.#abort.abort();
  }

  started(runId: string): void {
    this.runId = runId;
    if (!this.#left || this.#done) return;
    clearTimeout(this.#grace);
    this.#cancel(runId);
    this.#abort.abort();
  }

  ended(): void {
    this.#ended = true;
  }

  answered(): void {
    this.#done = true;
    clearTimeout(this.#grace);
  }
}
