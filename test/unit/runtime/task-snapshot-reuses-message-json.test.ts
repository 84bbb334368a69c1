/**
 * A task's stored snapshot serializes each history message once, when it
 * joins, and reuses it in the task's later snapshots: the snapshot still
 * reads back as the task (the same JSON as Task.toJSON, members in another
 * order), whatever the task; and a message changed in memory after it joined
 * is stored as it arrived, as the event log holds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message, Task, TaskState } from '@a2a-js/sdk';
import { foldHistoryJson, historyJsonOf, taskSnapshotJson } from '../../../src/runtime/task-snapshot.js';

/** JSON values as JSON.parse makes them (no -0: JSON has one zero). */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const part = fc.oneof(fc.record({ text: fc.string() }), fc.record({ data: fc.dictionary(fc.string(), json) }));
const messageJson = fc.record(
  {
    messageId: fc.uuid(),
    role: fc.constantFrom('ROLE_USER', 'ROLE_AGENT'),
    parts: fc.array(part, { minLength: 1, maxLength: 3 }),
    metadata: fc.dictionary(fc.string(), json, { maxKeys: 3 }),
  },
  { requiredKeys: ['messageId', 'role', 'parts'] },
);
const taskJson = fc.record(
  {
    id: fc.uuid(),
    contextId: fc.uuid(),
    status: fc.record({ state: fc.constantFrom('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_COMPLETED') }),
    history: fc.array(messageJson, { maxLength: 4 }),
    artifacts: fc.array(fc.record({ artifactId: fc.uuid(), parts: fc.array(part, { minLength: 1, maxLength: 2 }) }), { maxLength: 2 }),
    metadata: fc.dictionary(fc.string(), json, { maxKeys: 2 }),
  },
  { requiredKeys: ['id', 'contextId', 'status'] },
);

/** What the snapshot was before: Task.toJSON's JSON, read back. */
const asBefore = (task: Task): unknown => JSON.parse(JSON.stringify(Task.toJSON(task)));

test('a snapshot reads back as Task.toJSON of the task, at its first write and after its history grew', () => {
  fc.assert(
    fc.property(taskJson, messageJson, (wire, later) => {
      const task = Task.fromJSON(wire);
      let history = historyJsonOf(task);
      assert.deepEqual(JSON.parse(taskSnapshotJson(task, history)), asBefore(task));
      // The task goes on: a message joins its history and its state moves; the earlier messages' JSON is reused.
      const message = Message.fromJSON(later);
      task.history.push(message);
      history = foldHistoryJson(history, { payload: { $case: 'message', value: message } }, task);
      task.status = { ...task.status!, state: TaskState.TASK_STATE_INPUT_REQUIRED };
      assert.deepEqual(JSON.parse(taskSnapshotJson(task, history)), asBefore(task));
      // A history JSON that does not match the task's is not used.
      assert.deepEqual(JSON.parse(taskSnapshotJson(task, history.slice(1))), asBefore(task));
    }),
  );
});

test('a task without history is serialized as Task.toJSON writes it', () => {
  const task = Task.fromJSON({ id: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } });
  assert.equal(taskSnapshotJson(task, []), JSON.stringify(Task.toJSON(task)));
});

test('a message changed after it joined the history is stored as it arrived: the first message from the start, an answer from its event', () => {
  const task = Task.fromJSON({ id: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' }, history: [{ messageId: 'm1', role: 'ROLE_USER', parts: [{ data: { items: [3, 1, 2] } }] }] });
  let history = historyJsonOf(task);
  // A handler sorting its input in place: the input is the first message's data part.
  const first = task.history[0]!.parts[0]!.content;
  assert.ok(first?.$case === 'data');
  (first.value as { items: number[] }).items.sort();
  const answer = Message.fromJSON({ messageId: 'm2', role: 'ROLE_USER', parts: [{ text: 'yes' }] });
  const event = { payload: { $case: 'message' as const, value: answer } };
  task.history.push(answer);
  history = foldHistoryJson(history, event, task);
  answer.parts.push(...Message.fromJSON({ messageId: 'x', role: 'ROLE_USER', parts: [{ text: 'added later' }] }).parts);
  const stored = JSON.parse(taskSnapshotJson(task, history)) as { history: Array<{ parts: unknown[] }> };
  assert.deepEqual(stored.history[0]!.parts, [{ data: { items: [3, 1, 2] } }]);
  assert.deepEqual(stored.history[1]!.parts, [{ text: 'yes' }]);
});
