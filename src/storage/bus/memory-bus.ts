import { TopicHandlers, unsubscriber, type Bus, type BusHandler, type Unsubscribe } from './bus.js';

/** The in-process bus of the embedded mode. Delivery is asynchronous, like Redis. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  #handlers = new TopicHandlers();

  async publish(topic: string, message: unknown): Promise<void> {
    // Most task events have no live subscriber: skip the microtask (a later subscriber reads the log anyway).
    if (!this.#handlers.has(topic)) return;
    queueMicrotask(() => this.#handlers.dispatch(topic, message));
  }

  subscribe(topic: string, handler: BusHandler): Unsubscribe {
    return unsubscriber(this.#handlers.add(topic, handler));
  }

  /** Local subscribers of `topic` (diagnostics, leak tests). */
  subscribers(topic: string): number {
    return this.#handlers.count(topic);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
