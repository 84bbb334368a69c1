import type { Logger } from './logger.js';

/** How often a failure that keeps failing is said again at warn. */
const REPEAT_EVERY_MS = 60_000;

/**
 * The log of something retried until it works: a watch of the registry, a
 * registration, a follower. The first failure is a warning with its error;
 * while it keeps failing, one warning a minute says how many attempts failed
 * since, and the attempts between go to debug; the first success after a
 * failure says so at info, with how long it took.
 *
 * Why: a role is often started before what it follows (a gateway before its
 * registry, on a laptop or in a rollout). Retrying with a short backoff is
 * right; a warning and a four-line cause chain per attempt is not — six of
 * them in the first three seconds buried the line that mattered.
 */
export class RetryLog {
  readonly #log: Logger;
  readonly #now: () => number;
  /** When the current run of failures began; undefined while things work. */
  #since: number | undefined;
  #failures = 0;
  #saidAt = 0;
  #unsaid = 0;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** Attempts failed in a row so far (0 while things work). */
  get failures(): number {
    return this.#failures;
  }

  /** An attempt failed; `fields` go on the line (never a secret), `msg` says what is retried. */
  failed(err: unknown, msg: string, fields: Record<string, unknown> = {}, level: 'warn' | 'error' = 'warn'): void {
    const now = this.#now();
    this.#failures += 1;
    if (this.#since === undefined) {
      this.#since = now;
      this.#saidAt = now;
      this.#unsaid = 0;
      this.#log[level]({ err, failures: this.#failures, ...fields }, msg);
      return;
    }
    if (now - this.#saidAt >= REPEAT_EVERY_MS) {
      this.#log[level]({ err, failures: this.#failures, failingForMs: now - this.#since, notLoggedSince: this.#unsaid, ...fields }, `${msg} (still failing)`);
      this.#saidAt = now;
      this.#unsaid = 0;
      return;
    }
    this.#unsaid += 1;
    this.#log.debug({ err, failures: this.#failures, ...fields }, msg);
  }

  /** An attempt worked: ends a run of failures, if one was under way, with one line. */
  succeeded(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.#since === undefined) return;
    this.#log.info({ failures: this.#failures, failingForMs: this.#now() - this.#since, ...fields }, msg);
    this.#since = undefined;
    this.#failures = 0;
  }
}
