import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message, StreamResponse, Task, TaskState, type Artifact, type Part, type Role, type TaskStatus } from '@a2a-js/sdk';
import { messageJson, streamResponseJson, taskJson } from '../../../src/protocol/v1-json.js';

// The writer must be byte-identical to the SDK's ProtoJSON on every shape the
// types allow, including the unset, empty and odd values ts-proto omits.

const text = fc.oneof(fc.constant(''), fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a"b\\c\n', '\u2028\u2029', '\ud800 lone', '😀'));
const json = fc.jsonValue();
const metadata = fc.option(fc.dictionary(fc.string(), json), { nil: undefined });

const part: fc.Arbitrary<Part> = fc.record({
  content: fc.oneof(
    fc.constant(undefined),
    fc.record({ $case: fc.constant('text' as const), value: text }),
    fc.record({ $case: fc.constant('url' as const), value: text }),
    fc.record({ $case: fc.constant('data' as const), value: json }),
    fc.record({ $case: fc.constant('raw' as const), value: fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)) }),
  ),
  metadata,
  filename: text,
  mediaType: fc.constantFrom('', 'text/plain', 'application/json'),
}) as fc.Arbitrary<Part>;

const message: fc.Arbitrary<Message> = fc.record({
  messageId: text,
  contextId: text,
  taskId: text,
  // -1 and 7 are outside the enum: ts-proto writes them "UNRECOGNIZED".
  role: fc.constantFrom(0, 1, 2, -1, 7).map((r) => r as Role),
  parts: fc.array(part, { maxLength: 3 }),
  metadata,
  extensions: fc.array(text, { maxLength: 2 }),
  referenceTaskIds: fc.array(text, { maxLength: 2 }),
});

const state = fc.constantFrom(...Object.values(TaskState).filter((v): v is TaskState => typeof v === 'number'), 99 as TaskState);

const status: fc.Arbitrary<TaskStatus> = fc.record({
  state,
  message: fc.option(message, { nil: undefined }),
  timestamp: fc.option(fc.constantFrom('2026-11-22T06:00:00.000Z', ''), { nil: undefined }),
});

const artifact: fc.Arbitrary<Artifact> = fc.record({
  artifactId: text,
  name: text,
  description: text,
  parts: fc.array(part, { maxLength: 3 }),
  metadata,
  extensions: fc.array(text, { maxLength: 2 }),
});

const task: fc.Arbitrary<Task> = fc.record({
  id: text,
  contextId: text,
  status: fc.option(status, { nil: undefined }),
  artifacts: fc.array(artifact, { maxLength: 3 }),
  history: fc.array(message, { maxLength: 3 }),
  metadata,
});

const event: fc.Arbitrary<StreamResponse> = fc.oneof(
  fc.record({ payload: fc.record({ $case: fc.constant('task' as const), value: task }) }),
  fc.record({ payload: fc.record({ $case: fc.constant('message' as const), value: message }) }),
  fc.record({
    payload: fc.record({
      $case: fc.constant('statusUpdate' as const),
      value: fc.record({ taskId: text, contextId: text, status: fc.option(status, { nil: undefined }), metadata }),
    }),
  }),
  fc.record({
    payload: fc.record({
      $case: fc.constant('artifactUpdate' as const),
      value: fc.record({ taskId: text, contextId: text, artifact: fc.option(artifact, { nil: undefined }), append: fc.boolean(), lastChunk: fc.boolean(), metadata }),
    }),
  }),
  fc.constant({ payload: undefined }),
);

test('taskJson writes exactly what JSON.stringify(Task.toJSON(task)) writes', () => {
  fc.assert(
    fc.property(task, (t) => assert.equal(taskJson(t), JSON.stringify(Task.toJSON(t)))),
    { numRuns: 2000, seed: 20261122 },
  );
});

test('streamResponseJson writes exactly what JSON.stringify(StreamResponse.toJSON(event)) writes', () => {
  fc.assert(
    fc.property(event, (e) => assert.equal(streamResponseJson(e), JSON.stringify(StreamResponse.toJSON(e)))),
    { numRuns: 2000, seed: 20261122 },
  );
});

test('messageJson writes exactly what JSON.stringify(Message.toJSON(message)) writes', () => {
  fc.assert(
    fc.property(message, (m) => assert.equal(messageJson(m), JSON.stringify(Message.toJSON(m)))),
    { numRuns: 2000, seed: 20261122 },
  );
});

test('values JSON cannot hold are dropped as the SDK drops them, never written as "undefined"', () => {
  const odd = {
    payload: {
      $case: 'artifactUpdate' as const,
      value: {
        taskId: 't',
        contextId: 'c',
        artifact: { artifactId: 'a', name: '', description: '', parts: [{ content: { $case: 'data' as const, value: undefined }, metadata: undefined, filename: '', mediaType: '' }], metadata: undefined, extensions: [] },
        append: undefined as unknown as boolean,
        lastChunk: true,
        metadata: undefined,
      },
    },
  } as StreamResponse;
  const written = streamResponseJson(odd);
  assert.equal(written, JSON.stringify(StreamResponse.toJSON(odd)));
  assert.deepEqual(JSON.parse(written), { artifactUpdate: { taskId: 't', contextId: 'c', artifact: { artifactId: 'a', parts: [{}] }, lastChunk: true } });
});
