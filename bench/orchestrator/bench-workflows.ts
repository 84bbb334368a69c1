/**
 * The workflows the orchestrator part runs, as definition objects (the
 * run-workflow skill takes an object as well as YAML text). Their inputs are
 * plain values: what is measured is the engine's work per step (records,
 * events, the call), not template evaluation.
 */
import { BATCH_AGENT, NOOP_AGENT } from './bench-agents.js';

/** `steps` sequential call steps to the no-op agent, step `s<i>` sending `{ step: i }`. */
export function noopChain(steps: number): Record<string, unknown> {
  return {
    name: 'bench-noop-chain',
    steps: Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, call: { agent: NOOP_AGENT }, input: { step: i } })),
  };
}

/** A map over `inputs.items`: per batch (`{ items: batch }`) or per item (`{ items: [item] }`) to the batch agent. */
export function mapWorkflow({ batchSize, concurrency, mode }: { batchSize: number; concurrency: number; mode: 'batch' | 'item' }): Record<string, unknown> {
  return {
    name: `bench-map-${mode}`,
    inputs: { items: { type: 'array', items: { type: 'number' } } },
    steps: [
      {
        id: 'work',
        map: {
          over: '{{ inputs.items }}',
          batchSize: mode === 'item' ? 1 : batchSize,
          concurrency,
          mode,
          onFailure: 'fail',
          step: { call: { agent: BATCH_AGENT }, input: { items: mode === 'item' ? ['{{ item }}'] : '{{ batch }}' } },
        },
      },
    ],
  };
}

/** The items of a map: 1…n, so each batch starts with a distinct number (the agents spot a repeated batch by it). */
export function mapItems(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** The items cut into the batches the orchestrator's map makes. */
export function batchesOf(items: readonly number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  return batches;
}
