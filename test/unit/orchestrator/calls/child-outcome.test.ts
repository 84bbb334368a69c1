import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Task } from '@a2a-js/sdk';
import { outcomeOf, outputOf } from '../../../../src/orchestrator/calls/child-outcome.js';

const task = (json: Record<string, unknown>) => Task.fromJSON({ id: 't1', contextId: 'c1', status: { state: 'TASK_STATE_COMPLETED' }, ...json });

test('the output is the result artifact\'s data, else its text', () => {
  assert.deepEqual(outputOf(task({ artifacts: [{ artifactId: 'a', name: 'notes', parts: [{ text: 'x' }] }, { artifactId: 'b', name: 'result', parts: [{ text: 'ignored' }, { data: { sum: 6 } }] }] })), { sum: 6 });
  assert.equal(outputOf(task({ artifacts: [{ artifactId: 'a', name: 'notes', parts: [{ text: 'x' }] }, { artifactId: 'b', name: 'result', parts: [{ text: 'Hello, Ada' }] }] })), 'Hello, Ada');
});

test('without a result artifact: the only artifact\'s data, else all artifacts\' text, else the status message', () => {
  assert.deepEqual(outputOf(task({ artifacts: [{ artifactId: 'a', name: 'scores', parts: [{ data: [1, 2] }] }] })), [1, 2]);
  assert.equal(outputOf(task({ artifacts: [{ artifactId: 'a', name: 'p1', parts: [{ text: 'one ' }] }, { artifactId: 'b', name: 'p2', parts: [{ text: 'two' }] }] })), 'one two');
  assert.deepEqual(outputOf(task({ status: { state: 'TASK_STATE_COMPLETED', message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'done' }, { data: { ok: true } }] } } })), { ok: true });
  assert.equal(outputOf(task({ status: { state: 'TASK_STATE_COMPLETED', message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'done' }] } } })), 'done');
  assert.equal(outputOf(task({})), undefined);
});

test('input-required carries the question, its data and the id of the status message that asked; failures carry the agent\'s reason', () => {
  const asked = outcomeOf('hr', task({ status: { state: 'TASK_STATE_INPUT_REQUIRED', message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'Which office?' }, { data: { options: ['Paris', 'Oslo'] } }] } } }));
  assert.deepEqual(asked, { state: 'input-required', taskId: 't1', contextId: 'c1', question: 'Which office?', questionId: 'm', data: { options: ['Paris', 'Oslo'] } });
  const failed = outcomeOf('hr', task({ status: { state: 'TASK_STATE_FAILED', message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'the HR system is down' }] } } }));
  assert.deepEqual(failed, { state: 'failed', taskId: 't1', error: 'the HR system is down', transient: false });
  const rejected = outcomeOf('hr', task({ status: { state: 'TASK_STATE_REJECTED' } }));
  assert.deepEqual(rejected, { state: 'rejected', taskId: 't1', error: "hr's task t1 was rejected", transient: false });
  assert.equal(outcomeOf('hr', task({ status: { state: 'TASK_STATE_AUTH_REQUIRED' } })).state, 'auth-required');
});
