import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskState, type Task } from '@a2a-js/sdk';
import pino from 'pino';
import { TaskRun } from '../../../src/runtime/task-run.js';
import { MemoryBus } from '../../../src/storage/bus/memory-bus.js';
import type { TaskStore } from '../../../src/storage/index.js';

// The run's signal is made lazily; these runs never write, so no store method is reached.
const deps = { store: {} as TaskStore, bus: new MemoryBus(), logger: pino({ level: 'silent' }), replicaId: 'r1', now: Date.now };

function newRun(): TaskRun {
  const task: Task = { id: 't1', contextId: 'c1', status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: undefined }, artifacts: [], history: [], metadata: undefined };
  return new TaskRun({ task, agent: 'a', tenant: '', skill: 's', messageId: null, idempotent: false }, deps);
}

test('a signal taken before the run stops is aborted with the first reason', async () => {
  const run = newRun();
  const signal = run.signal;
  assert.equal(signal.aborted, false);
  const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve));
  run.stop(new Error('canceled'));
  run.stop(new Error('timed out'));
  await aborted;
  assert.equal((signal.reason as Error).message, 'canceled');
  await assert.rejects(run.stopped, /canceled/);
});

test('a signal taken after the run stopped is already aborted, with the reason it stopped for', () => {
  const run = newRun();
  run.stop(new Error('runtime shutting down'));
  assert.equal(run.signal.aborted, true);
  assert.equal((run.signal.reason as Error).message, 'runtime shutting down');
  assert.equal(run.signal, run.signal, 'one signal per run');
});
