import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { RunStore } from '../../src/orchestrator/engine/run-store.js';
import { WorkflowEngine } from '../../src/orchestrator/engine/workflow-engine.js';
import { parseWorkflowObject } from '../../src/orchestrator/workflow/index.js';
import { answeringCaller, quietHost } from '../helpers/answering-caller.js';
import { databaseBackends, type OpenedDatabase } from '../helpers/database-backends.js';

/**
 * A step passing a map's output on (a sequence ending in a map) records
 * where the map's units are, not the list (docs/adr/0079-maps-paged.md);
 * what reads it through that reference (a later step's template, a map over
 * it, the workflow's outputs, a run resuming it) gets what the map produced,
 * in order, on SQLite and PostgreSQL.
 */
const BACKENDS = await databaseBackends({ tmpPrefix: 'agentmesh-map-passed-on-' });
const ITEMS = Array.from({ length: 1_234 }, (_, i) => i);
const DOUBLED = ITEMS.map((i) => ({ doubled: i * 2 }));

const definition = parseWorkflowObject(
  {
    name: 'passed-on',
    inputs: { items: { type: 'array' } },
    steps: [
      { id: 'tagged', sequence: [{ id: 'inner', map: { over: '{{ inputs.items }}', concurrency: 8, step: { call: { agent: 'double' }, input: { item: '{{ item }}' } } } }] },
      { id: 'again', map: { over: '{{ steps.tagged.output }}', mode: 'batch', batchSize: 300, concurrency: 3, step: { call: { agent: 'echo' }, input: { batch: '{{ batch }}' } } } },
      { id: 'total', call: { agent: 'sum' }, input: { all: '{{ steps.tagged.output }}', third: '{{ steps.tagged.output[2] }}' } },
    ],
    outputs: { tagged: '{{ steps.tagged.output }}', again: '{{ steps.again.output }}', total: '{{ steps.total.output }}' },
  },
  { source: '<test>' },
);

/** `sum` fails while `failing` holds: the first run stops after both maps, and a resumed one reads them through its copy. */
function caller(failing: { sum: boolean }) {
  return answeringCaller((call) => {
    const input = call.input as { item?: number; batch?: unknown[]; all?: unknown[] };
    if (call.agent === 'double') return { doubled: input.item! * 2 };
    if (call.agent === 'echo') return input.batch;
    if (failing.sum) throw new Error('sum is down');
    return { count: input.all!.length, all: input.all };
  });
}

for (const backend of BACKENDS) {
  describe(`a map's output passed on: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedDatabase;
    let store: RunStore;
    before(async () => {
      opened = await backend.open();
      store = new RunStore(opened.database.db);
    });
    after(() => opened.dispose());

    test("the sequence's record names the map; a later template, a map over it and the outputs read the list in order, a resumed run too", async () => {
      const logger = pino({ level: 'silent' });
      const resolveTarget = async (target: { agent?: string }) => ({ agent: target.agent ?? 'double' });
      const failing = { sum: true };
      const engine = new WorkflowEngine({ store, caller: caller(failing), resolveTarget, logger });
      await assert.rejects(engine.run(quietHost('run-a'), { definition, inputs: { items: ITEMS } }), /sum is down/);
      const tagged = await store.step('run-a', 'tagged');
      assert.deepEqual({ output: tagged?.output, outputUnits: tagged?.outputUnits, outputUnitsAt: tagged?.outputUnitsAt }, { output: undefined, outputUnits: ITEMS.length, outputUnitsAt: 'tagged/inner' });

      failing.sum = false;
      const resumedCaller = caller(failing);
      const outputs = await new WorkflowEngine({ store, caller: resumedCaller, resolveTarget, logger }).run(quietHost('run-b'), { resumeFrom: 'run-a' });
      assert.deepEqual([...resumedCaller.calls], [['sum', 1]], 'neither map runs again');
      assert.equal((await store.step('run-b', 'tagged'))?.outputUnitsAt, 'tagged/inner', 'the copy keeps the reference');
      assert.deepEqual(outputs, {
        tagged: DOUBLED,
        again: Array.from({ length: 5 }, (_, b) => DOUBLED.slice(b * 300, (b + 1) * 300)),
        total: { count: ITEMS.length, all: DOUBLED },
      });
    });
  });
}
