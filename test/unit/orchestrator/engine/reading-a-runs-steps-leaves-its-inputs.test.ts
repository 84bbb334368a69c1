import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Task } from '@a2a-js/sdk';
import pino from 'pino';
import type { AgentCaller, ChildCall, ChildOutcome } from '../../../../src/orchestrator/calls/agent-caller.js';
import { RunStore, type RunRecord } from '../../../../src/orchestrator/engine/run-store.js';
import { WorkflowEngine } from '../../../../src/orchestrator/engine/workflow-engine.js';
import type { RunHost } from '../../../../src/orchestrator/engine/run-execution.js';
import { parseWorkflowObject } from '../../../../src/orchestrator/workflow/index.js';
import { createDatabase } from '../../../../src/storage/database.js';

/**
 * A run's steps (the summary a finished run reports, each page `workflow show` and the console read)
 * come from its definition and its step records: its inputs, a map's items (590 KB for 100,000), are
 * neither read nor parsed for them.
 */

/** The real store, counting the reads of a whole run (inputs included). */
class CountingStore extends RunStore {
  wholeReads = 0;
  override async get(id: string): Promise<RunRecord | undefined> {
    this.wholeReads++;
    return super.get(id);
  }
}

const caller: AgentCaller = {
  async send(call: ChildCall): Promise<ChildOutcome> {
    call.onTask?.('t', 'c');
    return { state: 'completed', taskId: 't', contextId: 'c', output: { count: 1 }, task: Task.fromJSON({ id: 't', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } }) };
  },
  reply: () => Promise.reject(new Error('no questions in this test')),
  attach: () => Promise.reject(new Error('nothing to attach to in this test')),
  cancel: () => Promise.resolve(),
};

const host = (runId: string): RunHost => {
  const signal = new AbortController().signal;
  return { runId, onBehalfOf: { tenant: 't' }, traceparent: undefined, signal, emit: () => undefined, requestInput: () => Promise.reject(new Error('no questions')), detached: () => false };
};

test("a run's summary and each page of its steps read its definition and records, never the whole run with its inputs", async () => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    const store = new CountingStore(database.db);
    const engine = new WorkflowEngine({ store, caller, resolveTarget: async (target: { agent?: string }) => ({ agent: target.agent ?? 'worker' }), logger: pino({ level: 'silent' }) });
    const definition = parseWorkflowObject(
      {
        name: 'three-steps',
        inputs: { items: { type: 'array', items: { type: 'number' } } },
        steps: [
          { id: 'first', call: { agent: 'worker' }, input: { n: 1 } },
          { id: 'work', map: { over: '{{ inputs.items }}', batchSize: 100, mode: 'batch', step: { call: { agent: 'worker' }, input: { items: '{{ batch }}' } } } },
          { id: 'last', call: { agent: 'worker' }, input: { n: 2 } },
        ],
      },
      { source: '<test>' },
    );
    await engine.run(host('run-1'), { definition, inputs: { items: Array.from({ length: 1_000 }, (_, i) => i) } });
    const before = store.wholeReads;

    const summary = await engine.summary('run-1');
    assert.deepEqual(summary.map((s) => [s.path, s.status]), [['first', 'completed'], ['work', 'completed'], ['last', 'completed']]);
    assert.deepEqual(summary[1]!.units, { done: 10, failed: 0 });
    const first = await engine.stepsPage('run-1', 't', { pageSize: 2 });
    assert.deepEqual(first.steps.map((s) => s.path), ['first', 'work']);
    const second = await engine.stepsPage('run-1', 't', { pageSize: 2, pageToken: first.nextPageToken! });
    assert.deepEqual(second.steps.map((s) => s.path), ['last']);
    await assert.rejects(engine.stepsPage('run-1', 'another-tenant'), /not a run of this tenant/);
    assert.equal(store.wholeReads, before, 'no read of the whole run (its inputs) for its steps');
  } finally {
    await database.close();
  }
});
