import { AgentmeshError, ErrorCodes } from '../protocol/index.js';

/**
 * At most `max` tasks of one agent run at once; up to `queueLimit` more wait
 * in FIFO order; beyond that a new task is refused with a clear error rather
 * than letting memory and latency grow without bound.
 */
export class ConcurrencyLimit {
  #running = 0;
  #waiting: Array<() => void> = [];
  readonly max: number;
  readonly queueLimit: number;
  readonly name: string;

  constructor(options: { name: string; max: number; queueLimit: number }) {
    this.name = options.name;
    this.max = options.max;
    this.queueLimit = options.queueLimit;
  }

  /** Throws AM_ERR_TASK_QUEUE_FULL when neither a slot nor a queue place is free. */
  reserve(): void {
    if (this.#running + this.#waiting.length >= this.max + this.queueLimit) {
      throw new AgentmeshError(
        ErrorCodes.TASK_QUEUE_FULL,
        `Agent ${this.name} is at capacity: ${this.max} tasks running and ${this.queueLimit} queued; retry later`,
        { expose: true, retryable: true, details: { agent: this.name, maxConcurrentTasks: String(this.max), queueLimit: String(this.queueLimit) } },
      );
    }
  }

  /** Resolves when a slot is free; call `release` after the task settles. */
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
