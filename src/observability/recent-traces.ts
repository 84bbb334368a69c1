import { LRUCache } from 'lru-cache';
import type { SpanContext } from '@opentelemetry/api';

/** Entries kept by default: ample for the tasks one replica settles between two push polls. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The span contexts of recent work by key (a task id), for work done later
 * on its behalf outside its async context: push deliveries run from the
 * outbox poll, after the skill's span has ended, yet belong to its trace.
 *
 * In memory and bounded (oldest first out): a delivery on another replica,
 * after a restart, or for a task this many tasks ago starts a trace of its
 * own. Keeping the trace durably would need the outbox row to carry it.
 *
 * @example
 * const traces = new RecentTraces();
 * traces.set(taskId, span.spanContext());
 * const parent = traces.get(taskId); // later, from the push worker
 */
export class RecentTraces {
  // An LRU cache, not a Map trimmed from its front (that walks the deleted head's holes, ~5 µs an insert at 10,000 entries).
  readonly #entries: LRUCache<string, SpanContext>;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError(`"maxEntries" must be a positive integer, got ${maxEntries}`);
    this.#entries = new LRUCache({ max: maxEntries });
  }

  set(key: string, span: SpanContext): void {
    this.#entries.set(key, span);
  }

  get(key: string): SpanContext | undefined {
    return this.#entries.get(key);
  }
}
