import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { ChildTaskView } from '../../../../src/orchestrator/calls/child-task-view.js';

const event = (json: Record<string, unknown>) => StreamResponse.fromJSON(json);

test('folds a stream into the task and reports status updates and artifact chunks as progress', () => {
  const view = new ChildTaskView('writer');
  assert.equal(view.apply(event({ task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_SUBMITTED' } } })), undefined, 'the opening snapshot is not news');
  const status = view.apply(event({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING', message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'drafting' }, { data: { page: 1 } }] } } } }));
  assert.deepEqual(status, { agent: 'writer', taskId: 't', kind: 'status', state: 'working', text: 'drafting', data: { page: 1 } });
  const chunk = { taskId: 't', contextId: 'c', artifact: { artifactId: 'a', name: 'story', parts: [{ text: 'one ' }] } };
  const first = view.apply(event({ artifactUpdate: chunk }));
  assert.equal(first?.kind, 'artifact');
  assert.equal(first?.state, 'story');
  assert.equal(first?.text, 'one ');
  view.apply(event({ artifactUpdate: { ...chunk, append: true, lastChunk: true, artifact: { ...chunk.artifact, parts: [{ text: 'two' }] } } }));
  view.apply(event({ statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_COMPLETED' }, metadata: { 'agentmesh.usage': { credits: 1 } } } }));
  assert.equal(view.state, TaskState.TASK_STATE_COMPLETED);
  assert.deepEqual(view.task!.artifacts[0]!.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')), ['one ', 'two']);
  assert.deepEqual(view.task!.metadata, { 'agentmesh.usage': { credits: 1 } });
  assert.equal(first?.artifact?.parts.length, 1, 'appending does not write into the reported chunk');
});

test('an agent that answers with a message instead of a task is kept as that message', () => {
  const view = new ChildTaskView('echo');
  view.apply(event({ message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'hi' }] } }));
  assert.equal(view.task, undefined);
  assert.equal(view.message?.messageId, 'm');
});
