import { EphemeralMap } from '../ephemeral-map.js';

/** Called with each message published on a topic this process subscribed to. */
export type BusHandler = (message: unknown) => void;

/** What {@link Bus.subscribe} returns: call it to unsubscribe. */
export interface Unsubscribe {
  (): void;
  /**
   * Settles once every message published from then on reaches the handler:
   * at once in memory, once Redis confirmed the subscription across replicas.
   * Whoever reads a log after subscribing (to miss nothing in between) awaits
   * it first. It never rejects; while Redis is unreachable it resolves at once
   * and the subscriber relies on re-reading its log.
   */
  readonly ready: Promise<void>;
}

const settled = Promise.resolve();

/** `unsubscribe` with its `ready` promise (resolved unless given). */
export function unsubscriber(unsubscribe: () => void, ready: Promise<void> = settled): Unsubscribe {
  return Object.assign(unsubscribe, { ready });
}

/**
 * Live signals between replicas: new task events, cancel requests.
 * Not a store: anything that must survive is in the database first, and a
 * subscriber that may have missed messages re-reads it from there.
 */
export interface Bus {
  /** 'memory' within one process, 'redis' across replicas (sharded pub/sub, ADR 0023). */
  readonly kind: 'memory' | 'redis';
  publish(topic: string, message: unknown): Promise<void>;
  /** Returns the function that unsubscribes; await its `ready` before reading what the messages would announce. */
  subscribe(topic: string, handler: BusHandler): Unsubscribe;
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

/**
 * Reads what `topic` announces changes of (approval rules, policies) now, and again on each
 * announcement: subscribed before the first read, so a change written meanwhile is either read now
 * or announced after. A failed re-read goes to `failed` (the caller's periodic read catches up); a
 * failed first read unsubscribes and throws. Resolves with the unsubscribe (none without a bus).
 */
export async function followChanges(bus: Pick<Bus, 'subscribe'> | undefined, topic: string, read: () => Promise<void>, failed: (err: unknown) => void): Promise<Unsubscribe | undefined> {
  const unsubscribe = bus?.subscribe(topic, () => {
    read().catch(failed);
  });
  try {
    await unsubscribe?.ready;
    await read();
  } catch (err) {
    unsubscribe?.();
    throw err;
  }
  return unsubscribe;
}
