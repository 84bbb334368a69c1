import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Task, TaskState, type StreamResponse } from '@a2a-js/sdk';
import pino from 'pino';
import { TaskRun } from '../../../src/runtime/task-run.js';
import { statusEvent } from '../../../src/runtime/task-events.js';
import { TRANSIENT_MESSAGE_METADATA } from '../../../src/runtime/task-fold.js';
import { MemoryBus } from '../../../src/storage/bus/memory-bus.js';
import { createDatabase } from '../../../src/storage/database.js';
import { createRuntimeStores } from '../../../src/storage/create-stores.js';
import type { TaskAppend, TaskStore } from '../../../src/storage/index.js';
import { until } from '../../helpers/until.js';

/**
 * A workflow run's task carries its start message (the definition, a map's
 * items) in its history. Its progress lines must not rewrite that whole
 * snapshot each: a step's write would then grow with the run.
 */
async function setup() {
  const database = await createDatabase({ sqlitePath: ':memory:' });
  const real = createRuntimeStores(database).tasks;
  // The real store, watched: what each append carried.
  const appends: Array<{ snapshotBytes: number; eventBytes: number }> = [];
  const append = real.append.bind(real);
  const store: TaskStore = real;
  store.append = (change: TaskAppend) => {
    appends.push({ snapshotBytes: change.snapshot?.length ?? 0, eventBytes: change.events.reduce((n, e) => n + e.payload.length, 0) });
    return append(change);
  };
  let clock = 1_000_000;
  const deps = { store, bus: new MemoryBus(), logger: pino({ level: 'silent' }), replicaId: 'r1', now: () => clock };
  const big = { workflow: { steps: Array.from({ length: 4_000 }, (_, i) => ({ id: `s${i}`, call: { agent: 'noop' }, input: { step: i } })) } };
  const task: Task = {
    id: `t-${crypto.randomUUID()}`,
    contextId: 'c1',
    status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined },
    artifacts: [],
    history: [{ messageId: 'm1', contextId: 'c1', taskId: '', role: 1, parts: [{ content: { $case: 'data', value: big }, metadata: undefined, filename: '', mediaType: '' }], metadata: undefined, extensions: [], referenceTaskIds: [] }],
    metadata: undefined,
  };
  const run = new TaskRun({ task, agent: 'a', tenant: '', skill: 's', messageId: null, idempotent: false }, deps);
  const progress = (text: string): StreamResponse => {
    const event = statusEvent(task, TaskState.TASK_STATE_WORKING, text, clock);
    if (event.payload?.$case === 'statusUpdate' && event.payload.value.status?.message) event.payload.value.status.message.metadata = { ...TRANSIENT_MESSAGE_METADATA };
    return event;
  };
  return { database, real, run, task, appends, progress, tick: (ms: number) => (clock += ms) };
}

test("a progress line's write is the same at line 10 as at line 2,000: its event, not the run's snapshot", async () => {
  const { database, real, run, task, appends, progress } = await setup();
  try {
    await run.emit({ payload: { $case: 'task', value: task } });
    await run.emit(statusEvent(task, TaskState.TASK_STATE_WORKING, 'started', 1_000_000));
    const snapshotBytes = (await real.get(task.id))!.snapshot.length;
    assert.ok(snapshotBytes > 100_000, `the start message makes a large snapshot (${snapshotBytes} bytes)`);
    appends.length = 0;
    for (let i = 0; i < 2_000; i++) await run.emit(progress(`s${i}: completed`));
    const written = appends.map((a) => a.snapshotBytes + a.eventBytes);
    // Only the digits of the line's text and numbers differ; the snapshot is hundreds of kilobytes.
    assert.ok(written[1_999]! - written[9]! < 16, `line 10 wrote ${written[9]} bytes, line 2,000 ${written[1_999]}`);
    // The events since a snapshot outweigh it now and then: bounded by the events' own bytes, whatever the snapshot's size.
    const snapshots = appends.filter((a) => a.snapshotBytes > 0).length;
    const eventBytes = appends.reduce((n, a) => n + a.eventBytes, 0);
    assert.ok(snapshots <= Math.ceil(eventBytes / snapshotBytes) + 1, `${snapshots} snapshots for ${eventBytes} bytes of progress`);
    const row = (await real.get(task.id))!;
    assert.equal(row.lastSeq, 2_002, 'every line is in the log');
    assert.equal(row.state, 'TASK_STATE_WORKING');
  } finally {
    await database.close();
  }
});

test('a lagging snapshot is written once the run falls quiet, and any other event writes it at once', async () => {
  const { database, real, run, task, progress, tick } = await setup();
  try {
    await run.emit({ payload: { $case: 'task', value: task } });
    await run.emit(progress('first'));
    tick(10);
    await run.emit(progress('second'));
    const lastLine = (row: { snapshot: string }) => JSON.stringify(Task.fromJSON(JSON.parse(row.snapshot)).status?.message?.parts);
    assert.match(lastLine((await real.get(task.id))!), /first/, 'the second line waits');
    tick(5_000);
    await until('the snapshot catches up', async () => /second/.test(lastLine((await real.get(task.id))!)));
    await run.emit(progress('third'));
    await run.emit(statusEvent(task, TaskState.TASK_STATE_COMPLETED, 'done', 1));
    const row = (await real.get(task.id))!;
    assert.equal(Task.fromJSON(JSON.parse(row.snapshot)).status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(row.lastSeq, 5);
  } finally {
    await database.close();
  }
});
