/**
 * A 100,000-item map chained into a second map (batches of 100, over the
 * first's output as a sequence passes it on) and into the workflow's
 * outputs, run in a process of its own started with --expose-gc: the test
 * runner's own bookkeeping of async resources would otherwise show in the
 * heap. Prints one JSON line: the heap after a full collection before the
 * run and while the second map ran (every 50th batch), the calls, whether
 * the second map took the items in order, and whether the outputs were
 * whole.
 */
import pino from 'pino';
import { RunStore } from '../../../../src/orchestrator/engine/run-store.js';
import { WorkflowEngine } from '../../../../src/orchestrator/engine/workflow-engine.js';
import { parseWorkflowObject } from '../../../../src/orchestrator/workflow/index.js';
import { createDatabase } from '../../../../src/storage/database.js';
import { answeringCaller, quietHost } from '../../../helpers/answering-caller.js';

const ITEMS = 100_000;
const BATCH = 100;
/** Each first unit's output carries a fresh string this long: the list held whole is ~30 MB of heap. */
const PAD = 300;

if (gc === undefined) throw new Error('started without --expose-gc');
const collect = gc;
const database = await createDatabase({ sqlitePath: ':memory:' });
const store = new RunStore(database.db);
const pad = 'x'.repeat(PAD);
const during: number[] = [];
let expected = 0;
let outOfOrder = 0;
const caller = answeringCaller((call) => {
  const input = call.input as { item?: number; batch?: Array<{ n: number }> };
  if (call.agent === 'first') return { n: input.item, pad: `${pad}${input.item}` };
  for (const item of input.batch!) if (item.n !== expected++) outOfOrder++;
  if ((caller.calls.get('second')! - 1) % 50 === 0) {
    collect();
    during.push(process.memoryUsage().heapUsed);
  }
  return { count: input.batch!.length };
});
const engine = new WorkflowEngine({ store, caller, resolveTarget: async (target) => ({ agent: target.agent ?? 'first' }), logger: pino({ level: 'silent' }) });
const definition = parseWorkflowObject(
  {
    name: 'chained',
    inputs: { items: { type: 'array' } },
    steps: [
      // A sequence ending in the map passes its output on: its record says where the units are.
      { id: 'first', sequence: [{ id: 'tagged', map: { over: '{{ inputs.items }}', concurrency: 16, step: { call: { agent: 'first' }, input: { item: '{{ item }}' } } } }] },
      { id: 'second', map: { over: '{{ steps.first.output }}', mode: 'batch', batchSize: BATCH, concurrency: 4, step: { call: { agent: 'second' }, input: { batch: '{{ batch }}' } } } },
    ],
    outputs: { counts: '{{ steps.second.output }}' },
  },
  { source: '<chained maps>' },
);
collect();
const before = process.memoryUsage().heapUsed;
const outputs = (await engine.run(quietHost('run-chained'), { definition, inputs: { items: Array.from({ length: ITEMS }, (_, i) => i) } })) as { counts: Array<{ count: number }> };
await database.close();
const whole = outputs.counts.length === ITEMS / BATCH && outputs.counts.every((c) => c.count === BATCH);
process.stdout.write(`${JSON.stringify({ before, during, first: caller.calls.get('first'), second: caller.calls.get('second'), outOfOrder, whole })}\n`);
