import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPushBody } from '../../../src/runtime/push/push-body.js';

const status = JSON.stringify({ statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_COMPLETED', timestamp: '2025-06-01T12:00:00Z' } } });
const artifact = JSON.stringify({
  artifactUpdate: { taskId: 't-1', contextId: 'c-1', artifact: { artifactId: 'a-1', parts: [{ text: 'report' }] }, append: false, lastChunk: true },
});
const task = JSON.stringify({ task: { id: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_INPUT_REQUIRED' } } });

describe('buildPushBody', () => {
  test('sends v1 webhooks the StreamResponse as application/a2a+json (A2A §4.3.3)', () => {
    const { body, contentType } = buildPushBody(status, '1.0');
    assert.equal(contentType, 'application/a2a+json');
    assert.deepEqual(JSON.parse(body), JSON.parse(status));
  });

  test('sends v0.3 webhooks the bare event with kind and lowercase state', () => {
    const { body, contentType } = buildPushBody(status, '0.3');
    assert.equal(contentType, 'application/json');
    assert.deepEqual(JSON.parse(body), {
      kind: 'status-update',
      taskId: 't-1',
      contextId: 'c-1',
      status: { state: 'completed', timestamp: '2025-06-01T12:00:00Z' },
      final: true,
    });
  });

  test('keeps an artifact event an artifact event for v0.3, not the whole task', () => {
    const parsed = JSON.parse(buildPushBody(artifact, '0.3').body);
    assert.equal(parsed.kind, 'artifact-update');
    assert.deepEqual(parsed.artifact.parts, [{ kind: 'text', text: 'report' }]);
  });

  test('renders a task snapshot as a v0.3 Task', () => {
    const parsed = JSON.parse(buildPushBody(task, '0.3').body);
    assert.equal(parsed.kind, 'task');
    assert.equal(parsed.status.state, 'input-required');
  });

  test('throws on a payload that is not a StreamResponse', () => {
    assert.throws(() => buildPushBody('{}', '1.0'), /not a StreamResponse/);
    assert.throws(() => buildPushBody('not json', '0.3'));
  });
});
