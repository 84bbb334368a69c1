import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Task } from '@a2a-js/sdk';
import pino from 'pino';
import type { AgentCaller, ChildCall, ChildOutcome } from '../../../../src/orchestrator/calls/agent-caller.js';
import { RunStore } from '../../../../src/orchestrator/engine/run-store.js';
import { RECENT_OUTPUTS } from '../../../../src/orchestrator/engine/step-outputs.js';
import { WorkflowEngine } from '../../../../src/orchestrator/engine/workflow-engine.js';
import type { RunHost } from '../../../../src/orchestrator/engine/run-execution.js';
import { parseWorkflowObject, type WorkflowDefinition } from '../../../../src/orchestrator/workflow/index.js';
import { createDatabase } from '../../../../src/storage/database.js';

/**
 * A run's memory must not grow with its length: results are read back from
 * the step records when a template names them, and only the latest few are
 * kept at hand (docs/adr/0070).
 */

/** An agent that answers each call at once with `{ n, echo: input, pad }` (the pad sized by the test). */
function answeringCaller(padBytes: number): AgentCaller & { calls: ChildCall[] } {
  const calls: ChildCall[] = [];
  const pad = 'x'.repeat(padBytes);
  return {
    calls,
    async send(call: ChildCall): Promise<ChildOutcome> {
      calls.push(call);
      const taskId = `t${calls.length}`;
      // A fresh string per answer: a result kept would hold its own copy.
      return { state: 'completed', taskId, contextId: 'c', output: { n: calls.length, echo: call.input, pad: `${pad}${calls.length}` }, task: Task.fromJSON({ id: taskId, contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } }) };
    },
    reply: () => Promise.reject(new Error('no questions in this test')),
    attach: () => Promise.reject(new Error('nothing to attach to in this test')),
    cancel: () => Promise.resolve(),
  };
}

function host(runId: string, signal = new AbortController().signal, detached = false): RunHost {
  return { runId, onBehalfOf: { tenant: 't' }, traceparent: undefined, signal, emit: () => undefined, requestInput: () => Promise.reject(new Error('no questions')), detached: () => detached };
}

async function setup(padBytes = 16) {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  const store = new RunStore(database.db);
  const caller = answeringCaller(padBytes);
  const engine = new WorkflowEngine({ store, caller, resolveTarget: async (target) => ({ agent: target.agent ?? 'noop' }), logger: pino({ level: 'silent' }) });
  return { database, store, caller, engine };
}

/** `count` call steps in a row, each sending the number the one before answered. */
function chain(count: number, extra: Record<string, unknown> = {}): WorkflowDefinition {
  const steps = Array.from({ length: count }, (_, i) => ({ id: `s${i}`, call: { agent: 'noop' }, input: i === 0 ? { first: true } : { previous: `{{ steps.s${i - 1}.output.n }}` } }));
  return parseWorkflowObject({ name: 'chain', steps, ...extra }, { source: '<test>' });
}

test('the heap a run holds stays flat over 2,000 steps of 20 KB results', async () => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  assert.ok(typeof gc === 'function');
  const { database, caller, engine } = await setup(20_000);
  const heap: number[] = [];
  const send = caller.send.bind(caller);
  caller.send = async (call) => {
    if (caller.calls.length === 200 || caller.calls.length === 2_000) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
    }
    return send(call);
  };
  try {
    await engine.run(host('long'), { definition: chain(2_001), inputs: {} });
    const [at200, at2000] = heap;
    assert.ok(at200 !== undefined && at2000 !== undefined);
    // Kept results would be 1,800 × 20 KB ≈ 36 MB; the 64 at hand and the definition are well under 8 MB.
    assert.ok(at2000 - at200 < 8e6, `the heap grew ${((at2000 - at200) / 1e6).toFixed(1)} MB between step 200 and step 2,000`);
  } finally {
    await database.close();
  }
});

test('a template reads a result far behind the ones at hand, by name or by a computed name, from its record', async () => {
  const { database, caller, engine } = await setup();
  const last = RECENT_OUTPUTS * 2;
  try {
    const definition = chain(last + 1, {
      outputs: { first: '{{ steps.s0.output.echo }}', second: "{{ steps['s' + '1'].output.n }}", last: `{{ steps.s${last}.output.n }}` },
    });
    const outputs = await engine.run(host('far'), { definition, inputs: {} });
    assert.deepEqual(outputs, { first: { first: true }, second: 2, last: last + 1 });
    assert.deepEqual(caller.calls.at(-1)?.input, { previous: last });
  } finally {
    await database.close();
  }
});

test('a step inside a sequence sees its own siblings before the outer steps of the same id', async () => {
  const { database, engine } = await setup();
  try {
    const definition = parseWorkflowObject(
      {
        name: 'nested',
        steps: [
          { id: 'a', call: { agent: 'noop' }, input: { at: 'outer' } },
          { id: 'inner', sequence: [{ id: 'a', call: { agent: 'noop' }, input: { at: 'inner' } }, { id: 'b', call: { agent: 'noop' }, input: { saw: '{{ steps.a.output.echo.at }}' } }] },
          { id: 'c', call: { agent: 'noop' }, input: { saw: '{{ steps.a.output.echo.at }}' } },
        ],
        outputs: { inner: '{{ steps.inner.output.echo.saw }}', outer: '{{ steps.c.output.echo.saw }}' },
      },
      { source: '<test>' },
    );
    assert.deepEqual(await engine.run(host('nested'), { definition, inputs: {} }), { inner: 'inner', outer: 'outer' });
  } finally {
    await database.close();
  }
});

test('a run let go halfway resumes: its finished steps are not called again and later steps read their results from the store', async () => {
  const { database, caller, engine } = await setup();
  try {
    const definition = chain(100, { outputs: { first: '{{ steps.s0.output.n }}', last: '{{ steps.s99.output.echo }}' } });
    const stop = new AbortController();
    const send = caller.send.bind(caller);
    caller.send = async (call) => {
      // The process drains while the 51st step is on its way.
      if (caller.calls.length === 50) stop.abort(new Error('draining'));
      return send(call);
    };
    await assert.rejects(engine.run(host('resumed', stop.signal, true), { definition, inputs: {} }));
    caller.send = send;
    const outputs = await engine.run(host('resumed'), { definition, inputs: {} });
    assert.deepEqual(outputs, { first: 1, last: { previous: 99 } });
    // This agent answers even the call under way when the run was let go: every step was called once, none again.
    assert.equal(caller.calls.length, 100);
    assert.equal(new Set(caller.calls.map((call) => call.messageId)).size, 100);
  } finally {
    await database.close();
  }
});
