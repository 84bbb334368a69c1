/**
 * A map's output lives in its units' records (docs/adr/0079-maps-paged.md):
 * the map's own record says how many units there are, never holds the list,
 * and whatever needs the list (a later step's template, the workflow's
 * outputs, a parallel or a sequence wrapping the map, a run resumed after a
 * restart) reads it from the units, in order, `null` for a unit that failed.
 * A run stored before, whose map record holds the list itself, still reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Task } from '@a2a-js/sdk';
import pino from 'pino';
import type { AgentCaller, ChildCall, ChildOutcome } from '../../../../src/orchestrator/calls/agent-caller.js';
import { RunStore, type StepRecord } from '../../../../src/orchestrator/engine/run-store.js';
import { WorkflowEngine } from '../../../../src/orchestrator/engine/workflow-engine.js';
import type { RunHost } from '../../../../src/orchestrator/engine/run-execution.js';
import { parseWorkflowObject } from '../../../../src/orchestrator/workflow/index.js';
import { createDatabase, type Database } from '../../../../src/storage/database.js';

/** An agent doubling `item` (failing when it is in `failing`), and recording what the `sum` agent is sent. */
function doublingCaller(failing: ReadonlySet<number> = new Set()): AgentCaller & { sent: Map<string, unknown[]> } {
  const sent = new Map<string, unknown[]>();
  let n = 0;
  return {
    sent,
    async send(call: ChildCall): Promise<ChildOutcome> {
      sent.set(call.agent, [...(sent.get(call.agent) ?? []), call.input]);
      const taskId = `t${++n}`;
      call.onTask?.(taskId, 'c');
      const item = (call.input as { item?: number }).item;
      if (item !== undefined && failing.has(item)) {
        return { state: 'failed', taskId, error: `item ${item} refused`, transient: false };
      }
      const output = item === undefined ? { got: call.input } : { doubled: item * 2 };
      return { state: 'completed', taskId, contextId: 'c', output, task: Task.fromJSON({ id: taskId, contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } }) };
    },
    reply: () => Promise.reject(new Error('no questions in this test')),
    attach: () => Promise.reject(new Error('nothing to attach to in this test')),
    cancel: () => Promise.resolve(),
  };
}

function host(runId: string, signal = new AbortController().signal): RunHost {
  return { runId, onBehalfOf: { tenant: 't' }, traceparent: undefined, signal, emit: () => undefined, requestInput: () => Promise.reject(new Error('no questions')), detached: () => signal.aborted };
}

const logger = pino({ level: 'silent' });
const resolveTarget = async (target: { agent?: string }) => ({ agent: target.agent ?? 'worker' });
const ITEMS = Array.from({ length: 1_234 }, (_, i) => i);
const DOUBLED = ITEMS.map((i) => ({ doubled: i * 2 }));
const MAP = { over: '{{ inputs.items }}', concurrency: 8, step: { call: { agent: 'double' }, input: { item: '{{ item }}' } } };

function workflow(steps: unknown[], extra: Record<string, unknown> = {}) {
  return parseWorkflowObject({ name: 'paged', inputs: { items: { type: 'array', items: { type: 'number' } } }, steps, ...extra }, { source: '<test>' });
}

async function withStore(body: (store: RunStore, database: Database) => Promise<void>): Promise<void> {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    await body(new RunStore(database.db), database);
  } finally {
    await database.close();
  }
}

interface StoredRow {
  output: string | null;
  output_units: number | null;
  output_units_at: string | null;
}

/** The stored row of a step: what the map's record costs to write and read. */
function storedRow(database: Database, runId: string, path: string): StoredRow | undefined {
  return database.sqlite!.prepare<[string, string], StoredRow>('SELECT output, output_units, output_units_at FROM workflow_steps WHERE run_id = ? AND path = ?').get(runId, path);
}

test("the map's record holds its unit count, not the list; a later step's template reads the list from the units, in order", async () => {
  await withStore(async (store, database) => {
    const caller = doublingCaller();
    const engine = new WorkflowEngine({ store, caller, resolveTarget, logger });
    const definition = workflow([
      { id: 'work', map: MAP },
      { id: 'total', call: { agent: 'sum' }, input: { all: '{{ steps.work.output }}', third: '{{ steps.work.output[2].doubled }}' } },
    ]);
    const outputs = await engine.run(host('run-a'), { definition, inputs: { items: ITEMS } });
    assert.deepEqual(storedRow(database, 'run-a', 'work'), { output: null, output_units: ITEMS.length, output_units_at: null });
    assert.deepEqual(caller.sent.get('sum'), [{ all: DOUBLED, third: 4 }]);
    assert.deepEqual(outputs, { got: { all: DOUBLED, third: 4 } });
  });
});

test("a map ending the workflow gives the workflow's output as its list; named outputs read it too", async () => {
  await withStore(async (store) => {
    const engine = new WorkflowEngine({ store, caller: doublingCaller(), resolveTarget, logger });
    assert.deepEqual(await engine.run(host('run-b'), { definition: workflow([{ id: 'work', map: MAP }]), inputs: { items: ITEMS } }), DOUBLED);
    const named = workflow([{ id: 'work', map: MAP }], { outputs: { results: '{{ steps.work.output }}', first: '{{ steps.work.output[0] }}' } });
    assert.deepEqual(await engine.run(host('run-c'), { definition: named, inputs: { items: ITEMS } }), { results: DOUBLED, first: { doubled: 0 } });
  });
});

test('a failed unit reads as null under continue', async () => {
  await withStore(async (store) => {
    const engine = new WorkflowEngine({ store, caller: doublingCaller(new Set([3, 700])), resolveTarget, logger });
    const definition = workflow([{ id: 'work', map: { ...MAP, onFailure: 'continue' } }]);
    const outputs = await engine.run(host('run-d'), { definition, inputs: { items: ITEMS } });
    assert.deepEqual(outputs, DOUBLED.map((d, i) => (i === 3 || i === 700 ? null : d)));
  });
});

test('a parallel branch stores the list, a sequence ending in a map the place of its units; a batched map reads its batches', async () => {
  await withStore(async (store, database) => {
    const engine = new WorkflowEngine({ store, caller: doublingCaller(), resolveTarget, logger });
    const definition = workflow([
      { id: 'both', parallel: { steps: [{ id: 'mapped', map: MAP }, { id: 'sequenced', sequence: [{ id: 'inner', map: MAP }] }] } },
    ]);
    const outputs = await engine.run(host('run-e'), { definition, inputs: { items: ITEMS } });
    assert.deepEqual(outputs, { mapped: DOUBLED, sequenced: DOUBLED });
    assert.deepEqual(storedRow(database, 'run-e', 'both/sequenced'), { output: null, output_units: ITEMS.length, output_units_at: 'both/sequenced/inner' }, 'the sequence says where the list it passes on is');
    assert.equal(storedRow(database, 'run-e', 'both/sequenced/inner')?.output_units, ITEMS.length);

    const batched = workflow([{ id: 'work', map: { over: '{{ inputs.items }}', mode: 'batch', batchSize: 100, concurrency: 4, step: { call: { agent: 'sum' }, input: { batch: '{{ batch }}' } } } }]);
    const batches = await engine.run(host('run-f'), { definition: batched, inputs: { items: ITEMS } });
    assert.equal(storedRow(database, 'run-f', 'work')?.output_units, 13);
    assert.deepEqual(batches, Array.from({ length: 13 }, (_, b) => ({ got: { batch: ITEMS.slice(b * 100, (b + 1) * 100) } })));
  });
});

test('a run resumed after its map completed reads the same list; a map record of the list itself (stored before) still reads', async () => {
  await withStore(async (store, database) => {
    const definition = workflow([
      { id: 'work', map: MAP },
      { id: 'total', call: { agent: 'sum' }, input: { all: '{{ steps.work.output }}' } },
    ]);
    // The first process stops once the map is done, as the `sum` call goes out.
    const letGo = new AbortController();
    const first = doublingCaller();
    const stopping: AgentCaller = { ...first, send: (call) => (call.agent === 'sum' ? (letGo.abort(), Promise.reject(new Error('stopped'))) : first.send(call)) };
    await assert.rejects(new WorkflowEngine({ store, caller: stopping, resolveTarget, logger }).run(host('run-g', letGo.signal), { definition, inputs: { items: ITEMS } }));
    const second = doublingCaller();
    const outputs = await new WorkflowEngine({ store, caller: second, resolveTarget, logger }).run(host('run-g'), { definition, inputs: { items: ITEMS } });
    assert.equal(second.sent.get('double'), undefined, 'no unit runs again');
    assert.deepEqual(outputs, { got: { all: DOUBLED } });

    // As an orchestrator of before stored it: the list in the map's own record, no unit count.
    database.sqlite!.prepare('UPDATE workflow_steps SET output = ?, output_units = NULL WHERE run_id = ? AND path = ?').run(JSON.stringify(['as', 'stored']), 'run-g', 'work');
    database.sqlite!.prepare("DELETE FROM workflow_steps WHERE run_id = ? AND path = 'total'").run('run-g');
    database.sqlite!.prepare("UPDATE workflow_runs SET status = 'running', outputs = NULL WHERE id = ?").run('run-g');
    const third = doublingCaller();
    await new WorkflowEngine({ store, caller: third, resolveTarget, logger }).run(host('run-g'), { definition, inputs: { items: ITEMS } });
    assert.deepEqual(third.sent.get('sum'), [{ all: ['as', 'stored'] }]);
  });
});

test("a map over an earlier map's output takes its items 500 units a read, in order; resumed, it reads none for the units it finished", async () => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    /** The real store, counting its page reads of the first map's units. */
    class CountingStore extends RunStore {
      unitPages = 0;
      override async stepsAt(runId: string, paths: readonly string[]): Promise<Map<string, StepRecord>> {
        if (paths.some((p) => p.startsWith('work/'))) this.unitPages++;
        return super.stepsAt(runId, paths);
      }
    }
    const store = new CountingStore(database.db);
    const again = { over: '{{ steps.work.output }}', concurrency: 8, step: { call: { agent: 'echo' }, input: { item: '{{ item.doubled }}' } } };
    const definition = workflow([{ id: 'work', map: MAP }, { id: 'again', map: again }]);
    // The first process stops at the second map's 1,100th call: its last page of items is not read.
    const letGo = new AbortController();
    const first = doublingCaller();
    let echoes = 0;
    const stopping: AgentCaller = { ...first, send: (call) => (call.agent === 'echo' && ++echoes === 1_100 ? (letGo.abort(), Promise.reject(new Error('stopped'))) : first.send(call)) };
    await assert.rejects(new WorkflowEngine({ store, caller: stopping, resolveTarget, logger }).run(host('run-h', letGo.signal), { definition, inputs: { items: ITEMS } }));
    assert.equal(store.unitPages, 3, 'the first map read at the start, at unit 500 and at unit 1,000');
    // Units already taken when the process stopped may have gone out after the 1,100th.
    assert.deepEqual(first.sent.get('echo')!.slice(0, 1_099), DOUBLED.slice(0, 1_099).map((d) => ({ item: d.doubled })), 'one call per item, in order');

    store.unitPages = 0;
    const second = doublingCaller();
    const outputs = await new WorkflowEngine({ store, caller: second, resolveTarget, logger }).run(host('run-h'), { definition, inputs: { items: ITEMS } });
    const sent = (second.sent.get('echo') as Array<{ item: number }>).map((input) => input.item / 2);
    // The units not finished: those in flight when it stopped (8 at a time) and the ones after, in order.
    assert.ok(sent.every((unit, i) => unit >= 1_099 - 8 && (i === 0 || unit > sent[i - 1]!)), `units run again: ${sent.slice(0, 12).join(', ')}…`);
    assert.equal(store.unitPages, 1, 'one read of items, for the units left');
    assert.deepEqual(outputs, DOUBLED.map((d) => ({ doubled: d.doubled * 2 })));
  } finally {
    await database.close();
  }
});
