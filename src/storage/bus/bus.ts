import { EphemeralMap } from '../ephemeral-map.js';

/** Called with each message published on a topic this process subscribed to. */
export type BusHandler = (message: unknown) => void;

/**
 * Live signals between replicas: new task events, cancel requests.
 * Not a store: anything that must survive is in the database first, and a
 * subscriber that may have missed messages re-reads it from there.
 */
export interface Bus {
  /** 'memory' within one process, 'redis' across replicas. */
  readonly kind: 'memory' | 'redis';
  publish(topic: string, message: unknown): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(topic: string, handler: BusHandler): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Handlers by topic, shared by both bus implementations. */
export class TopicHandlers {
  /** A topic per task stream, subscribed and dropped at request rate. */
  #byTopic = new EphemeralMap<Set<BusHandler>>();

  add(topic: string, handler: BusHandler): () => void {
    let set = this.#byTopic.get(topic);
    if (!set) {
      set = new Set();
      this.#byTopic.set(topic, set);
    }
    set.add(handler);
    return () => {
      const current = this.#byTopic.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) this.#byTopic.delete(topic);
    };
  }

  dispatch(topic: string, message: unknown): void {
    const set = this.#byTopic.get(topic);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(message);
      } catch {
        // A failing subscriber must not starve the others.
      }
    }
  }

  get size(): number {
    return this.#byTopic.size;
  }

  /** True when someone listens on `topic`. */
  has(topic: string): boolean {
    return this.#byTopic.has(topic);
  }

  /** How many handlers listen on `topic`. */
  count(topic: string): number {
    return this.#byTopic.get(topic)?.size ?? 0;
  }
}
