import type { Logger } from '../observability/index.js';

/**
 * Waits for one shutdown step until `deadlineAt` (epoch ms), then stops
 * waiting and logs the step as abandoned: a step held by something that never
 * settles (a database connection blocked on a lock, a stuck write chain) must
 * not hold the process past its drain deadline. The step keeps running; the
 * process manager's exit ends it.
 */
export async function untilDeadline(step: string, work: Promise<unknown>, deadlineAt: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, deadlineAt - Date.now()));
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'expired') log.error({ step }, `shutdown step "${step}" did not finish by the drain deadline; abandoned`);
}

/**
 * The one deadline of a runtime's shutdown, fixed when closing starts (its
 * first reading): the drain steps share it, and the steps after the drain
 * may run `graceMs` past it before they are abandoned.
 */
export class ShutdownDeadline {
  #at: number | undefined;
  readonly #deadlineMs: number;
  readonly #graceMs: number;
  readonly #log: Logger;

  constructor(deadlineMs: number, graceMs: number, log: Logger) {
    this.#deadlineMs = deadlineMs;
    this.#graceMs = graceMs;
    this.#log = log;
  }

  /** The deadline (epoch ms); the first call fixes it. */
  at(): number {
    this.#at ??= Date.now() + this.#deadlineMs;
    return this.#at;
  }

  /** Time left before the deadline, at least `min` ms. */
  remainingMs(min = 0): number {
    return Math.max(min, this.at() - Date.now());
  }

  /** Waits for a step after the drain until the deadline plus the grace (see {@link untilDeadline}). */
  bounded(step: string, work: () => Promise<unknown>): Promise<void> {
    return untilDeadline(step, work(), this.at() + this.#graceMs, this.#log);
  }
}
