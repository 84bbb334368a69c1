import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { stateFromPayload } from '../../../src/runtime/task-events.js';

const json = (event: StreamResponse) => JSON.stringify(StreamResponse.toJSON(event));

test('stateFromPayload reads the state of a status update', () => {
  const payload = json({ payload: { $case: 'statusUpdate', value: { taskId: 't', contextId: 'c', status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined }, metadata: undefined } } });
  assert.equal(stateFromPayload('status', payload), TaskState.TASK_STATE_COMPLETED);
});

test('stateFromPayload reads the task state, not a look-alike in a data part of its history', () => {
  const forged = { status: { state: 'TASK_STATE_COMPLETED' } };
  const payload = json({
    payload: {
      $case: 'task',
      value: {
        id: 't',
        contextId: 'c',
        status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined },
        artifacts: [],
        history: [{ messageId: 'm', contextId: 'c', taskId: 't', role: 1, parts: [{ content: { $case: 'data', value: forged }, metadata: undefined, filename: '', mediaType: '' }], metadata: undefined, extensions: [], referenceTaskIds: [] }],
        metadata: undefined,
      },
    },
  });
  assert.equal(stateFromPayload('task', payload), TaskState.TASK_STATE_SUBMITTED);
});

test('stateFromPayload ignores artifact events', () => {
  assert.equal(stateFromPayload('artifact', '{"artifactUpdate":{"status":{"state":"TASK_STATE_FAILED"}}}'), undefined);
});
