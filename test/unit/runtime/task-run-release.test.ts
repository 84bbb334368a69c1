import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskState, type Task } from '@a2a-js/sdk';
import pino from 'pino';
import { TaskRun } from '../../../src/runtime/task-run.js';
import { statusEvent } from '../../../src/runtime/task-events.js';
import { MemoryBus } from '../../../src/storage/bus/memory-bus.js';
import { createDatabase } from '../../../src/storage/database.js';
import { createRuntimeStores } from '../../../src/storage/create-stores.js';

async function setup() {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  const store = createRuntimeStores(database).tasks;
  const deps = { store, bus: new MemoryBus(), logger: pino({ level: 'silent' }), replicaId: 'r1', now: Date.now };
  const task: Task = { id: `t-${crypto.randomUUID()}`, contextId: 'c1', status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined }, artifacts: [], history: [], metadata: undefined };
  const run = new TaskRun({ task, agent: 'a', tenant: '', skill: 's', messageId: null, idempotent: false }, deps);
  return { database, store, run, task };
}

test('release in the same turn as the first write creates the row without an owner', async () => {
  const { database, store, run, task } = await setup();
  try {
    void run.emit({ payload: { $case: 'task', value: task } });
    void run.emit(statusEvent(task, TaskState.TASK_STATE_WORKING, 'Queued', Date.now()));
    await run.release();
    const row = (await store.get(task.id))!;
    assert.equal(row.owner, null);
    assert.equal(row.state, 'TASK_STATE_WORKING');
    assert.equal(row.lastSeq, 2);
    assert.deepEqual(await store.orphans([], 10), [], 'recovery does not see it');
  } finally {
    await database.close();
  }
});

test('release after the first write is a write of its own (no event), then the run takes no more events and waiters wake', async () => {
  const { database, store, run, task } = await setup();
  try {
    await run.emit({ payload: { $case: 'task', value: task } });
    assert.equal((await store.get(task.id))!.owner, 'r1');
    const settled = run.whenSettled(run.lastSeq);
    await run.release();
    await settled;
    const row = (await store.get(task.id))!;
    assert.equal(row.owner, null);
    assert.equal(row.version, 2);
    assert.equal(row.lastSeq, 1, 'no event was added');
    await run.emit(statusEvent(task, TaskState.TASK_STATE_COMPLETED, undefined, Date.now()));
    assert.equal((await store.get(task.id))!.state, 'TASK_STATE_SUBMITTED', 'an event after the hand-off is dropped');
    await assert.rejects(run.release(), /cannot be handed off/);
  } finally {
    await database.close();
  }
});
