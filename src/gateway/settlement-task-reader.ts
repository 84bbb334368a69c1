import type { Logger } from '../observability/index.js';
import type { OpenReservation } from './settlement-tracker.js';

/** An instance of an agent, as the settlement reads see it. */
export interface ReadableInstance {
  readonly url: string;
  readonly inRotation: boolean;
  /** Its breaker may take a request now (the proxy's view of the instance), when it has one. */
  available?(now?: number): boolean;
}

/** Options of {@link InstanceTaskReader}. */
export interface InstanceTaskReaderOptions {
  /** The instances of an agent (the router's cache). */
  instancesOf: (agent: string) => readonly ReadableInstance[] | undefined;
  /** Reads the task from one instance: its JSON, or undefined when the instance answered but has no task to give. Throws when it cannot be reached. */
  readFrom: (instance: ReadableInstance, open: OpenReservation) => Promise<unknown>;
  logger: Logger;
  /** How long an instance that did not answer is asked last, ms. Default 30 s. */
  coolDownMs?: number;
  now?: () => number;
}

/**
 * Reads a reservation's task for the settlement tracker through an instance
 * of its agent, any instance: tasks live in the shared store, so a live
 * replica answers for a dead one. Instances that did not answer lately (a
 * killed replica stays "in rotation" until its lease lapses) are asked last,
 * and an instance that stops answering is logged once, when it does, and once
 * when it answers again: never once per read (a dead replica under a backlog
 * of reservations would otherwise log a stack trace per attempt).
 */
export class InstanceTaskReader {
  readonly #o: InstanceTaskReaderOptions;
  readonly #now: () => number;
  readonly #coolDownMs: number;
  /** Instances that did not answer, by URL: since when. */
  readonly #silent = new Map<string, number>();

  constructor(options: InstanceTaskReaderOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#coolDownMs = options.coolDownMs ?? 30_000;
  }

  /** The task's JSON from the first instance that answers; undefined when none could (the tracker tries again later). */
  async read(open: OpenReservation): Promise<unknown> {
    const now = this.#now();
    const candidates = (this.#o.instancesOf(open.agent) ?? []).filter((i) => i.inRotation);
    // Answering instances first, those whose breaker is closed before the others; the silent ones last, oldest silence first.
    const ordered = [...candidates].sort((a, b) => this.#rank(a, now) - this.#rank(b, now));
    for (const instance of ordered) {
      try {
        const task = await this.#o.readFrom(instance, open);
        this.#answered(instance);
        return task;
      } catch (err) {
        this.#failed(instance, err, now);
      }
    }
    return undefined;
  }

  #rank(instance: ReadableInstance, now: number): number {
    const since = this.#silent.get(instance.url);
    if (since !== undefined && now - since < this.#coolDownMs) return 2;
    return (instance.available?.(now) ?? true) ? 0 : 1;
  }

  #failed(instance: ReadableInstance, err: unknown, now: number): void {
    const known = this.#silent.has(instance.url);
    this.#silent.set(instance.url, now);
    if (known) return;
    this.#o.logger.warn({ instance: instance.url, reason: err instanceof Error ? err.message : String(err) }, 'an agent instance did not answer a settlement read; asking its other instances (logged once until it answers again)');
  }

  #answered(instance: ReadableInstance): void {
    if (this.#silent.delete(instance.url)) this.#o.logger.info({ instance: instance.url }, 'an agent instance answers settlement reads again');
  }
}
