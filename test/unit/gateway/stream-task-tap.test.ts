import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyEnd, taskEnd } from '../../../src/gateway/settlement.js';
import { AnswerTap } from '../../../src/gateway/stream-task-tap.js';

const frame = (data: unknown): string => `event: message\ndata: ${JSON.stringify(data)}\n\n`;

/** Feeds `text` to a streaming tap in pieces of `size` bytes, as a socket may cut it. */
function tapStream(text: string, size = 7): AnswerTap {
  const tap = new AnswerTap(true);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) tap.onChunk(bytes.subarray(i, i + size));
  tap.finish();
  return tap;
}

test("a v1 stream that completes its task settles at the usage its final status carries, not the first snapshot's state", () => {
  const id = 'task-1';
  const tap = tapStream(
    frame({ jsonrpc: '2.0', id: 1, result: { task: { id, contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED' }, metadata: { 'agentmesh.route.explain': 'x' } } } }) +
      frame({ jsonrpc: '2.0', id: 1, result: { statusUpdate: { taskId: id, contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } } }) +
      frame({ jsonrpc: '2.0', id: 1, result: { statusUpdate: { taskId: id, contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' }, metadata: { 'agentmesh.usage': { credits: 1.25, units: {} } } } } }),
  );
  assert.equal(tap.taskId, id);
  assert.deepEqual(taskEnd(tap.folded()), { kind: 'charge', milliCredits: 1250 });
  // The snapshot's metadata is kept beside the merged update's.
  assert.equal(tap.metadata?.['agentmesh.route.explain'], 'x');
});

test('a stream that completes without usage settles at the estimate (as a blocking answer does); one that fails refunds', () => {
  const done = tapStream(frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_COMPLETED' } } } }));
  assert.deepEqual(taskEnd(done.folded()), { kind: 'charge', milliCredits: undefined });
  const failed = tapStream(frame({ result: { task: { id: 't', status: { state: 'TASK_STATE_WORKING' } } } }) + frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_FAILED' } } } }));
  assert.equal(taskEnd(failed.folded()).kind, 'refund');
});

test('a stream cut before its task ended is open: the tracker reads the task', () => {
  const tap = tapStream(frame({ result: { task: { id: 't', status: { state: 'TASK_STATE_SUBMITTED' } } } }) + frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_WORKING' }, metadata: { 'agentmesh.usage': { credits: 9 } } } } }));
  assert.deepEqual(taskEnd(tap.folded()), { kind: 'open' });
  const inputRequired = tapStream(frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_INPUT_REQUIRED' } } } }));
  assert.deepEqual(taskEnd(inputRequired.folded()), { kind: 'open' });
});

test('a v0.3 stream folds the same way (kind: task, then status-update with final metadata)', () => {
  const tap = tapStream(
    frame({ jsonrpc: '2.0', id: 1, result: { kind: 'task', id: 't3', contextId: 'c', status: { state: 'submitted' } } }) +
      frame({ jsonrpc: '2.0', id: 1, result: { kind: 'status-update', taskId: 't3', contextId: 'c', status: { state: 'completed' }, final: true, metadata: { 'agentmesh.usage': { credits: 0.5 } } } }),
    3,
  );
  assert.deepEqual(taskEnd(tap.folded()), { kind: 'charge', milliCredits: 500 });
});

test('hostile metadata (an array, a string, negative or non-numeric credits) never charges more than the estimate rule allows', () => {
  const arrayMeta = tapStream(frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_COMPLETED' }, metadata: ['agentmesh.usage'] } } }));
  assert.deepEqual(taskEnd(arrayMeta.folded()), { kind: 'charge', milliCredits: undefined });
  const negative = tapStream(frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_COMPLETED' }, metadata: { 'agentmesh.usage': { credits: -4 } } } } }));
  assert.deepEqual(taskEnd(negative.folded()), { kind: 'charge', milliCredits: undefined });
  const text = tapStream(frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_COMPLETED' }, metadata: 'agentmesh.usage' } } }));
  assert.deepEqual(taskEnd(text.folded()), { kind: 'charge', milliCredits: undefined });
});

/** Feeds a JSON answer (SendMessage) to a tap, in one piece. */
function tapJson(body: unknown): AnswerTap {
  const tap = new AnswerTap(false);
  tap.onChunk(Buffer.from(JSON.stringify(body)));
  tap.finish();
  return tap;
}

test('a message answer is seen in every shape (v1 JSON-RPC, v1 REST, v0.3, a stream of one), with the usage it reports', () => {
  const message = { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'hi' }], metadata: { 'agentmesh.usage': { credits: 1.5 } } };
  const answers = [
    tapJson({ jsonrpc: '2.0', id: 1, result: { message } }),
    tapJson({ message }),
    tapJson({ jsonrpc: '2.0', id: 1, result: { kind: 'message', messageId: 'm', role: 'agent', parts: [{ kind: 'text', text: 'hi' }], metadata: { 'agentmesh.usage': { credits: 1.5 } } } }),
    tapStream(frame({ jsonrpc: '2.0', id: 1, result: { message } })),
    tapStream(frame({ message }), 5),
    tapStream(frame({ jsonrpc: '2.0', id: 1, result: { kind: 'message', messageId: 'm', role: 'agent', parts: [], metadata: { 'agentmesh.usage': { credits: 1.5 } } } })),
  ];
  for (const tap of answers) {
    assert.equal(tap.taskId, undefined);
    assert.ok(tap.message !== undefined);
    assert.deepEqual(replyEnd(tap.message), { kind: 'charge', milliCredits: 1500 });
  }
  assert.deepEqual(replyEnd({ messageId: 'm', metadata: { 'agentmesh.usage': { credits: 'all' } } }), { kind: 'charge', milliCredits: undefined }, 'no usable usage: the estimate');
  assert.deepEqual(replyEnd({ messageId: 'm', metadata: ['agentmesh.usage'] }), { kind: 'charge', milliCredits: undefined });
});

test("a message inside a task's stream is the task's, not an answer of its own", () => {
  const tap = tapStream(
    frame({ result: { task: { id: 't', status: { state: 'TASK_STATE_WORKING' } } } }) +
      frame({ result: { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'note' }] } } }) +
      frame({ result: { statusUpdate: { taskId: 't', status: { state: 'TASK_STATE_FAILED' } } } }),
  );
  assert.equal(tap.message, undefined);
  assert.equal(taskEnd(tap.folded()).kind, 'refund');
});

test('a stream event typed `error` is the error, its bare v0.3 body too; a JSON body answered for a stream is read whole', () => {
  const bare = { code: -32603, message: 'Internal error (request id r)' };
  const tap = new AnswerTap(true);
  tap.onChunk(Buffer.from(`data: ${JSON.stringify({ task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } })}\n\nevent: error\ndata: ${JSON.stringify(bare)}\n\n`));
  tap.finish();
  assert.equal(tap.taskId, 't');
  assert.deepEqual(tap.error, bare);
  // Refused before the stream began: a JSON-RPC error body with HTTP 200, not an event stream.
  const refused = new AnswerTap(true);
  const error = { code: -32005, message: 'full' };
  refused.onChunk(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, error })));
  refused.finish();
  assert.equal(refused.streaming, false);
  assert.deepEqual(refused.error, error);
});
