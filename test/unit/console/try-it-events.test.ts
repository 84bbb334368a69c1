import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FINAL, summary, timelineOf, track, type TryState } from '../../../console/src/try-it-events.js';

const received = (result: unknown, at = 1) => ({ direction: 'received' as const, at, body: { jsonrpc: '2.0', id: 1, result } });

test("an agent's message answer (a stream of one message) is the reply: no task, no state, a 'reply' line", () => {
  const frame = received({ message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'Hello, Ada' }, { data: { greeted: 'Ada' } }] } });
  const state: TryState = track({}, frame);
  assert.equal(state.id, undefined, 'no task to open or cancel');
  assert.deepEqual(state, { reply: [{ text: 'Hello, Ada' }, { data: { greeted: 'Ada' } }] });
  assert.equal(summary(frame), 'reply: Hello, Ada · data: greeted');
  assert.deepEqual(timelineOf([frame]), []);
});

test('a rejected task ends Try it: its state, its reason and a final badge', () => {
  const events = [
    received({ task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED', timestamp: '2030-01-01T00:00:00.000Z' } } }),
    received({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_REJECTED', message: { parts: [{ text: 'We do not serve apac' }] }, timestamp: '2030-01-01T00:00:01.000Z' } } }),
  ];
  const state = events.reduce<TryState>(track, {});
  assert.equal(state.state, 'TASK_STATE_REJECTED');
  assert.equal(state.note, 'We do not serve apac');
  assert.ok(FINAL.has(state.state!), 'nothing left to cancel or answer');
  assert.equal(summary(events[1]!), 'rejected: We do not serve apac');
  assert.deepEqual(timelineOf(events).map((s) => s.state), ['TASK_STATE_SUBMITTED', 'TASK_STATE_REJECTED']);
});
