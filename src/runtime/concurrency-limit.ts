import { Errors } from '../protocol/index.js';

/** A place taken by {@link ConcurrencyLimit.reserve}: a slot or a queue place, held until used or given back. */
export interface Reservation {
  /** Uses the place: resolves when a slot is free. Call the limit's `release` after the task settles. */
  acquire(): Promise<void>;
  /** Gives the place back unused (the task never started). Does nothing once acquired or canceled. */
  cancel(): void;
}

/**
 * At most `max` tasks of one agent run at once; up to `queueLimit` more wait
 * in FIFO order; beyond that a new task is refused with a clear error rather
 * than letting memory and latency grow without bound.
 */
export class ConcurrencyLimit {
  #running = 0;
  #waiting: Array<() => void> = [];
  /**
   * Places reserved and not yet acquired: a new task awaits between its
   * admission and its start (a push config is stored first), and the
   * requests arriving meanwhile must count it.
   */
  #reserved = 0;
  readonly max: number;
  readonly queueLimit: number;
  readonly name: string;

  constructor(options: { name: string; max: number; queueLimit: number }) {
    this.name = options.name;
    this.max = options.max;
    this.queueLimit = options.queueLimit;
  }

  /** Takes a slot or a queue place for a new task; throws AM_ERR_TASK_QUEUE_FULL when neither is free. */
  reserve(): Reservation {
    if (this.#running + this.#waiting.length + this.#reserved >= this.max + this.queueLimit) {
      throw Errors.agentAtCapacity({ agent: this.name, maxConcurrentTasks: this.max, queueLimit: this.queueLimit });
    }
    this.#reserved++;
    let held = true;
    const giveBack = (): boolean => {
      if (!held) return false;
      held = false;
      this.#reserved--;
      return true;
    };
    return {
      acquire: () => {
        if (!giveBack()) return Promise.reject(new Error(`a reservation of ${this.name} was used twice or after it was canceled`));
        return this.acquire();
      },
      cancel: () => void giveBack(),
    };
  }

  /** Resolves when a slot is free; call `release` after the task settles. Never refuses (recovered tasks must run). */
  acquire(): Promise<void> {
    if (this.#running < this.max) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(() => resolve()));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }
}
