import type { Bus } from '../storage/index.js';
import type { Logger } from '../observability/index.js';
import type { RegistryChange } from '../contracts/registry/index.js';
import type { RegistryStore } from './store/registry-store.js';

/** Bus topic a replica publishes on after it wrote; the others read the log at once instead of at the next poll. */
export const CHANGES_TOPIC = 'agentmesh.registry.changes';
const PAGE = 500;

/**
 * Follows the change log in seq order and hands every change, once, to
 * each listener. The log is the source of truth: the bus only says "read
 * now", and a poll every `pollMs` catches whatever a lost signal missed.
 */
export class ChangeFeed {
  readonly #store: RegistryStore;
  readonly #bus: Bus;
  readonly #pollMs: number;
  readonly #log: Logger;
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  #cursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #reading: Promise<void> | undefined;
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(options: { store: RegistryStore; bus: Bus; pollMs: number; logger: Logger }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#pollMs = options.pollMs;
    this.#log = options.logger;
  }

  /** The seq of the last change delivered. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Starts following after `fromSeq`. */
  start(fromSeq: number): void {
    this.#cursor = fromSeq;
    this.#unsubscribe = this.#bus.subscribe(CHANGES_TOPIC, () => void this.nudge());
    this.#timer = setInterval(() => void this.nudge(), this.#pollMs);
    this.#timer.unref();
  }

  subscribe(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every replica (this one included) to read the log now. */
  announce(): void {
    this.#bus.publish(CHANGES_TOPIC, { at: Date.now() }).catch((err) => this.#log.warn({ err }, 'could not announce a registry change'));
    void this.nudge();
  }

  /** Reads the log now; resolves once a read that started after this call has finished. */
  nudge(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#reading) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#reading = this.#drain().finally(() => {
      this.#reading = undefined;
      for (const resolve of waiters) resolve();
      if (this.#waiters.length > 0) this.#kick();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#reading;
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const changes = await this.#store.changesSince(this.#cursor, PAGE);
        for (const change of changes) {
          this.#cursor = change.seq;
          for (const listener of this.#listeners) {
            try {
              listener(change);
            } catch (err) {
              this.#log.warn({ err }, 'registry change listener failed');
            }
          }
        }
        if (changes.length < PAGE) return;
      }
    } catch (err) {
      this.#log.warn({ err }, 'could not read the registry change log; retrying at the next poll');
    }
  }
}
