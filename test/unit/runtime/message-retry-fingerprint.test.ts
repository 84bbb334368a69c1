/**
 * The comparison behind "a repeated messageId is a retry only for the same
 * message" (ADR 0046): the canonical JSON it hashes, and the rules on the task
 * the first send started.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Message, Task, TaskState } from '@a2a-js/sdk';
import { isRetryOf, messageFingerprint } from '../../../src/runtime/message-retry.js';
import { canonicalJson } from '../../../src/protocol/index.js';

/** JSON values as JSON.parse makes them (no -0: JSON has one zero). */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** The same value with every object's keys in a random order. */
function shuffled(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort(() => rand() - 0.5);
  return Object.fromEntries(keys.map((k) => [k, shuffled((value as Record<string, unknown>)[k], rand)]));
}

const part = fc.oneof(
  fc.record({ text: fc.string() }),
  fc.record({ data: fc.dictionary(fc.string(), json) }),
  fc.record({ url: fc.webUrl(), mediaType: fc.constantFrom('text/plain', 'image/png') }),
);
const messageJson = fc.record(
  {
    messageId: fc.uuid(),
    role: fc.constant('ROLE_USER'),
    parts: fc.array(part, { minLength: 1, maxLength: 3 }),
    metadata: fc.dictionary(fc.string(), json, { maxKeys: 3 }),
    extensions: fc.array(fc.webUrl(), { maxLength: 2 }),
    referenceTaskIds: fc.array(fc.uuid(), { maxLength: 2 }),
  },
  { requiredKeys: ['messageId', 'role', 'parts'] },
);

/** The task `message` started, as the store keeps it: the message first in its history, with the ids the runtime gave it. */
function taskStartedBy(message: Message): Task {
  return Task.fromJSON({
    id: 'task-1',
    contextId: 'ctx-1',
    status: { state: 'TASK_STATE_INPUT_REQUIRED' },
    history: [Message.toJSON({ ...message, taskId: 'task-1', contextId: 'ctx-1' })],
  });
}

describe('canonical JSON', () => {
  test('equal values give the same text whatever their key order, and the text reads back as the value', () => {
    fc.assert(
      fc.property(json, fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (value, stream) => {
        const it = stream[Symbol.iterator]();
        const text = canonicalJson(value);
        assert.equal(canonicalJson(shuffled(value, () => it.next().value as number)), text);
        assert.deepEqual(JSON.parse(text), value);
      }),
    );
  });

  test('two values give the same text exactly when they are equal', () => {
    fc.assert(fc.property(json, json, (a, b) => assert.equal(canonicalJson(a) === canonicalJson(b), isDeepStrictEqual(a, b))));
    fc.assert(fc.property(json, (a) => assert.equal(canonicalJson(a), canonicalJson(structuredClone(a)))));
    assert.notEqual(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }));
    assert.notEqual(canonicalJson(['a', 'b']), canonicalJson(['b', 'a']));
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } }), '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });
});

describe('message fingerprint', () => {
  test('a message and its copy read back from a task (ProtoJSON, ids set, keys reordered) have one fingerprint', () => {
    fc.assert(
      fc.property(messageJson, fc.uuid(), fc.uuid(), (m, taskId, contextId) => {
        const message = Message.fromJSON(m);
        const stored = Message.fromJSON(shuffled(JSON.parse(JSON.stringify(Message.toJSON({ ...message, taskId, contextId }))), Math.random));
        assert.equal(messageFingerprint(stored), messageFingerprint(message));
      }),
    );
  });

  test('any change to the parts, metadata, extensions or references changes it', () => {
    fc.assert(
      fc.property(messageJson, messageJson, (a, b) => {
        const ma = Message.fromJSON(a);
        const mb = Message.fromJSON({ ...b, messageId: a.messageId });
        const sameContent = canonicalJson(Message.toJSON({ ...ma, messageId: '' })) === canonicalJson(Message.toJSON({ ...mb, messageId: '' }));
        assert.equal(messageFingerprint(ma) === messageFingerprint(mb), sameContent);
      }),
    );
  });
});

describe('is a repeated message a retry of the send that started a task', () => {
  const question = Message.fromJSON({ messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'TCK prerequisite task creation' }] });

  test('the same message, the task untouched since: yes, with or without the context it was given', () => {
    const task = taskStartedBy(question);
    assert.equal(isRetryOf(question, task), true);
    assert.equal(isRetryOf({ ...question, contextId: 'ctx-1' }, task), true);
    // An agent's question in the history is not the client going on.
    const asked = taskStartedBy(question);
    asked.history.push(Message.fromJSON({ messageId: 'a-1', role: 'ROLE_AGENT', parts: [{ text: 'name?' }] }));
    assert.equal(isRetryOf(question, asked), true);
  });

  test('another context, other content, or another messageId: no', () => {
    const task = taskStartedBy(question);
    assert.equal(isRetryOf({ ...question, contextId: 'ctx-2' }, task), false);
    assert.equal(isRetryOf({ ...question, parts: [{ content: { $case: 'text', value: 'other' }, metadata: undefined, filename: '', mediaType: '' }] } as Message, task), false);
    assert.equal(isRetryOf({ ...question, metadata: { skillId: 'ask' } }, task), false);
    assert.equal(isRetryOf({ ...question, messageId: 'm-2' }, task), false);
  });

  test('a task a client continued or canceled since: no', () => {
    const continued = taskStartedBy(question);
    continued.history.push(Message.fromJSON({ messageId: 'm-1', role: 'ROLE_USER', taskId: 'task-1', parts: [{ text: 'TCK history message 1' }] }));
    assert.equal(isRetryOf(question, continued), false);
    const canceled = taskStartedBy(question);
    canceled.status = { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: undefined };
    assert.equal(isRetryOf(question, canceled), false);
    const completed = taskStartedBy(question);
    completed.status = { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined };
    assert.equal(isRetryOf(question, completed), true, 'a completed task is the answer a lost response held');
  });
});
