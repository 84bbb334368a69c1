/**
 * The agents the orchestrator part calls: a no-op (per-step overhead) and a
 * batch summer (map throughput). Both count what they receive, so the
 * harness can check every step and every batch ran exactly once — a run
 * that skipped or repeated work is not a result.
 */
import { defineAgent, type AgentDefinition } from '../../src/runtime/index.js';

/** Agent names, shared by the workflows and the direct loops. */
export const NOOP_AGENT = 'bench-noop';
export const BATCH_AGENT = 'bench-batch';

/** What an agents process received since its last reset. */
export interface CallCounts {
  /** No-op calls. */
  noop: number;
  /** Batch calls. */
  batches: number;
  /** Items over all batch calls. */
  items: number;
  /** Batch calls whose first item had been seen before (each batch starts with a distinct item). */
  repeatedBatches: number;
}

/** Counts calls of one agents process. */
export class CallCounter {
  #noop = 0;
  #batches = 0;
  #items = 0;
  #repeated = 0;
  readonly #firstItems = new Set<number>();

  noop(): void {
    this.#noop++;
  }

  batch(items: readonly number[]): void {
    this.#batches++;
    this.#items += items.length;
    const first = items[0];
    if (first === undefined) return;
    if (this.#firstItems.has(first)) this.#repeated++;
    else this.#firstItems.add(first);
  }

  snapshot(): CallCounts {
    return { noop: this.#noop, batches: this.#batches, items: this.#items, repeatedBatches: this.#repeated };
  }

  reset(): void {
    this.#noop = 0;
    this.#batches = 0;
    this.#items = 0;
    this.#repeated = 0;
    this.#firstItems.clear();
  }
}

/** The two bench agents, reporting to `counter`. */
export function benchAgents(counter: CallCounter): AgentDefinition[] {
  return [
    defineAgent({
      card: { name: NOOP_AGENT, description: 'Does nothing: the per-step overhead bench calls it', version: '1.0.0' },
      skills: {
        noop: {
          description: 'Answers { ok: true }',
          handler: async () => {
            counter.noop();
            return { ok: true };
          },
        },
      },
    }),
    defineAgent({
      card: { name: BATCH_AGENT, description: 'Sums a batch of numbers: the map throughput bench calls it', version: '1.0.0' },
      skills: {
        sum: {
          description: 'Counts and sums a batch',
          input: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'number' } } } },
          handler: async ({ items }: { items: number[] }) => {
            counter.batch(items);
            let sum = 0;
            for (const item of items) sum += item;
            return { count: items.length, sum };
          },
        },
      },
    }),
  ];
}
