import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Task } from '@a2a-js/sdk';
import pino from 'pino';
import type { AgentCaller, ChildCall, ChildOutcome } from '../../../../src/orchestrator/calls/agent-caller.js';
import { RunStore, type StepRecord } from '../../../../src/orchestrator/engine/run-store.js';
import { WorkflowEngine } from '../../../../src/orchestrator/engine/workflow-engine.js';
import type { RunHost } from '../../../../src/orchestrator/engine/run-execution.js';
import { parseWorkflowObject } from '../../../../src/orchestrator/workflow/index.js';
import { createDatabase } from '../../../../src/storage/database.js';

/**
 * What a map's units cost the store. A unit calling an agent named in the
 * step writes its record once, when it ends: a restart that finds no record
 * sends the unit again under the same derived message id to the same agent,
 * which answers with the task it already has. A unit routed by skill records
 * its send first (the next routing may pick another agent). A resumed map
 * reads the units it finished a page at a time, not one by one.
 */

/** The real store, counting the writes of each step path and the reads of one step or of a page of them. */
class CountingStore extends RunStore {
  readonly writes = new Map<string, number>();
  pointReads = 0;
  pageReads = 0;
  statements = 0;
  override async putSteps(runId: string, steps: readonly StepRecord[]): Promise<void> {
    this.statements++;
    for (const step of steps) this.writes.set(step.path, (this.writes.get(step.path) ?? 0) + 1);
    await super.putSteps(runId, steps);
  }
  override async step(runId: string, path: string): Promise<StepRecord | undefined> {
    this.pointReads++;
    return super.step(runId, path);
  }
  override async stepsAt(runId: string, paths: readonly string[]): Promise<Map<string, StepRecord>> {
    this.pageReads++;
    return super.stepsAt(runId, paths);
  }
}

/** An agent answering each call at once, reporting its task as a streaming call does (onTask). */
function answeringCaller(beforeAnswer: (calls: number) => void | Promise<void> = () => undefined): AgentCaller & { calls: ChildCall[] } {
  const calls: ChildCall[] = [];
  return {
    calls,
    async send(call: ChildCall): Promise<ChildOutcome> {
      calls.push(call);
      await beforeAnswer(calls.length);
      const taskId = `t${calls.length}`;
      call.onTask?.(taskId, 'c');
      return { state: 'completed', taskId, contextId: 'c', output: { count: 1 }, task: Task.fromJSON({ id: taskId, contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' } }) };
    },
    reply: () => Promise.reject(new Error('no questions in this test')),
    attach: () => Promise.reject(new Error('nothing to attach to in this test')),
    cancel: () => Promise.resolve(),
  };
}

function host(runId: string, signal = new AbortController().signal): RunHost {
  return { runId, onBehalfOf: { tenant: 't' }, traceparent: undefined, signal, emit: () => undefined, requestInput: () => Promise.reject(new Error('no questions')), detached: () => signal.aborted };
}

function mapDefinition(call: Record<string, unknown>, concurrency = 4) {
  return parseWorkflowObject(
    { name: 'units', inputs: { items: { type: 'array', items: { type: 'number' } } }, steps: [{ id: 'work', map: { over: '{{ inputs.items }}', concurrency, step: { call, input: { item: '{{ item }}' } } } }] },
    { source: '<test>' },
  );
}

const logger = pino({ level: 'silent' });
const resolveTarget = async (target: { agent?: string }) => ({ agent: target.agent ?? 'worker' });

async function mapOnce(call: Record<string, unknown>): Promise<Map<string, number>> {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    const store = new CountingStore(database.db);
    const engine = new WorkflowEngine({ store, caller: answeringCaller(), resolveTarget, logger });
    const outputs = await engine.run(host('run-1'), { definition: mapDefinition(call), inputs: { items: Array.from({ length: 20 }, (_, i) => i) } });
    assert.equal(Array.isArray(outputs) ? outputs.length : -1, 20);
    const units = await store.stepsAt('run-1', Array.from({ length: 20 }, (_, i) => `work/${i}`));
    for (let i = 0; i < 20; i++) assert.equal(units.get(`work/${i}`)?.status, 'completed', `unit ${i} is recorded as completed`);
    return store.writes;
  } finally {
    await database.close();
  }
}

test('a map unit calling a named agent writes its record once, when it ends', async () => {
  const writes = await mapOnce({ agent: 'worker' });
  for (let i = 0; i < 20; i++) assert.equal(writes.get(`work/${i}`), 1, `unit ${i}'s writes`);
});

test('a map unit routed by skill records its send before it sends', async () => {
  const writes = await mapOnce({ skill: 'work' });
  for (let i = 0; i < 20; i++) assert.ok((writes.get(`work/${i}`) ?? 0) >= 2, `unit ${i} wrote ${writes.get(`work/${i}`)} times`);
});

test('a resumed map reads the units it finished a page at a time', async () => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    const store = new CountingStore(database.db);
    const items = Array.from({ length: 1_200 }, (_, i) => i);
    const definition = mapDefinition({ agent: 'worker' });
    // The first process lets the run go (as a draining one does) while its 700th unit is in flight.
    const letGo = new AbortController();
    const first = new WorkflowEngine({ store, caller: answeringCaller((calls) => {
      if (calls === 700) letGo.abort();
    }), resolveTarget, logger });
    await assert.rejects(first.run(host('run-2', letGo.signal), { definition, inputs: { items } }));
    const finished = [...(await store.stepsAt('run-2', items.map((i) => `work/${i}`))).values()].filter((r) => r.status === 'completed').length;
    assert.ok(finished >= 690 && finished < 1_200, `${finished} units finished before the run was let go`);

    store.pointReads = 0;
    store.pageReads = 0;
    const caller = answeringCaller();
    const second = new WorkflowEngine({ store, caller, resolveTarget, logger });
    const outputs = await second.run(host('run-2'), { definition, inputs: { items } });
    assert.equal(Array.isArray(outputs) ? outputs.length : -1, 1_200);
    assert.equal(caller.calls.length, 1_200 - finished, 'only the units not finished are sent');
    assert.equal(store.pageReads, 6, 'one read per page of 500 units to resume, as many to read the outputs at the end');
    assert.ok(store.pointReads <= 1_200 - finished + 2, `${store.pointReads} reads of one step, for ${1_200 - finished} units left`);
  } finally {
    await database.close();
  }
});

test('map units ending together write their records in one statement', async () => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    const store = new CountingStore(database.db);
    // The agent answers the eight calls together, once all eight are in.
    let release: () => void = () => undefined;
    const allIn = new Promise<void>((resolve) => (release = resolve));
    const engine = new WorkflowEngine({ store, caller: answeringCaller((calls) => (calls === 8 ? release() : allIn)), resolveTarget, logger });
    const outputs = await engine.run(host('run-3'), { definition: mapDefinition({ agent: 'worker' }, 8), inputs: { items: Array.from({ length: 8 }, (_, i) => i) } });
    assert.equal(Array.isArray(outputs) ? outputs.length : -1, 8);
    const unitWrites = [...store.writes].filter(([path]) => path.startsWith('work/')).length;
    assert.equal(unitWrites, 8);
    // The eight units' records, the map's and nothing else: at most the first unit alone, the seven others together, then the map.
    assert.ok(store.statements <= 3, `${store.statements} statements for 8 units and the map`);
  } finally {
    await database.close();
  }
});

test("a unit goes on before its record is written; the map ends only once every unit's record is, and a write that fails fails the map", async () => {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  try {
    /** Unit records wait until the store opens; then they are written, or fail when `failing`. */
    class HeldStore extends RunStore {
      #held: Array<() => void> = [];
      #open = false;
      failing = false;
      open(): void {
        this.#open = true;
        for (const release of this.#held.splice(0)) release();
      }
      override async putSteps(runId: string, steps: readonly StepRecord[]): Promise<void> {
        if (steps.some((s) => /^work\/\d+$/.test(s.path) && s.status === 'completed')) {
          if (!this.#open) await new Promise<void>((resolve) => this.#held.push(resolve));
          if (this.failing) throw new Error('the database went away');
        }
        await super.putSteps(runId, steps);
      }
    }
    const items = Array.from({ length: 12 }, (_, i) => i);
    const store = new HeldStore(database.db);
    let allSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (allSent = resolve));
    const caller = answeringCaller((calls) => {
      if (calls === items.length) allSent();
    });
    const engine = new WorkflowEngine({ store, caller, resolveTarget, logger });
    let ended = false;
    const run = engine.run(host('run-4'), { definition: mapDefinition({ agent: 'worker' }, 2), inputs: { items } }).finally(() => (ended = true));
    // Two workers send all twelve units while no unit record is written yet.
    await sent;
    const unitPaths = items.map((i) => `work/${i}`);
    const storedUnits = [...(await store.stepsAt('run-4', unitPaths)).values()].filter((r) => r.status === 'completed');
    assert.deepEqual(storedUnits, [], 'all twelve units were sent before any of their records was stored');
    assert.equal(ended, false, "the map waits for its units' records");
    store.open();
    assert.deepEqual(await run, items.map(() => ({ count: 1 })));

    const failing = new HeldStore(database.db);
    failing.failing = true;
    failing.open();
    await assert.rejects(new WorkflowEngine({ store: failing, caller: answeringCaller(), resolveTarget, logger }).run(host('run-5'), { definition: mapDefinition({ agent: 'worker' }, 2), inputs: { items } }), /database went away/);
  } finally {
    await database.close();
  }
});
