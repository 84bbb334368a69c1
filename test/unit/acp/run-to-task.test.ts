import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Role, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import { AcpStreamTranslator, runToTask } from '../../../src/acp/run-to-task.js';
import { taskToRun } from '../../../src/acp/runs.js';
import type { AcpEvent, AcpRun } from '../../../src/acp/wire-types.js';
import { checkSchema } from '../../helpers/acp-conformance.js';

const RUN_ID = '0190f0f0-0000-7000-8000-000000000001';
const SESSION_ID = '0190f0f0-0000-7000-8000-000000000002';

function run(status: AcpRun['status'], extra: Partial<AcpRun> = {}): AcpRun {
  const r: AcpRun = { agent_name: 'echo', run_id: RUN_ID, session_id: SESSION_ID, status, output: [], created_at: '2026-01-01T00:00:00.000Z', ...extra };
  checkSchema('Run', r);
  return r;
}

describe('ACP runs as A2A tasks (the bridge)', () => {
  test('a completed run is a completed task: run id, session as context, each output message an artifact', () => {
    const task = runToTask(run('completed', { finished_at: '2026-01-01T00:00:02.000Z', output: [{ role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'hi', name: 'greeting' }, { content_type: 'application/json', content: '{"n":1}' }] }] }));
    assert.equal(task.id, RUN_ID);
    assert.equal(task.contextId, SESSION_ID);
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(task.status?.timestamp, '2026-01-01T00:00:02.000Z');
    assert.deepEqual(Task.toJSON(task), {
      id: RUN_ID,
      contextId: SESSION_ID,
      status: { state: 'TASK_STATE_COMPLETED', timestamp: '2026-01-01T00:00:02.000Z' },
      artifacts: [{ artifactId: `${RUN_ID}-output-0`, name: 'greeting', parts: [{ text: 'hi', filename: 'greeting', mediaType: 'text/plain' }, { data: { n: 1 }, mediaType: 'application/json' }] }],
    });
  });

  test('an awaiting run is input-required with its question; a failed run carries its error text', () => {
    const awaiting = runToTask(run('awaiting', { await_request: { type: 'message', message: { role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'Which region?' }] } } }));
    assert.equal(awaiting.status?.state, TaskState.TASK_STATE_INPUT_REQUIRED);
    assert.equal(awaiting.status?.message?.role, Role.ROLE_AGENT);
    assert.equal(awaiting.status?.message?.taskId, RUN_ID);
    const part = awaiting.status?.message?.parts[0]?.content;
    assert.equal(part?.$case === 'text' && part.value, 'Which region?');
    const failed = runToTask(run('failed', { error: { code: 'server_error', message: 'model offline' } }));
    assert.equal(failed.status?.state, TaskState.TASK_STATE_FAILED);
    const text = failed.status?.message?.parts[0]?.content;
    assert.equal(text?.$case === 'text' && text.value, 'model offline');
    assert.equal(runToTask(run('cancelling')).status?.state, TaskState.TASK_STATE_WORKING);
  });

  test('a run without a session uses its run id as context; run → task → run keeps what both can say', () => {
    const { session_id: _s, ...bare } = run('completed', { output: [{ role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'x' }] }] });
    const task = runToTask(bare);
    assert.equal(task.contextId, RUN_ID);
    const back = taskToRun(task, { agentName: 'echo' });
    checkSchema('Run', back);
    assert.equal(back.run_id, RUN_ID);
    assert.equal(back.status, 'completed');
    assert.deepEqual(back.output, bare.output);
  });

  test('a stream: the first run event is the task, then status and artifact updates; parts are not relayed twice', () => {
    const t = new AcpStreamTranslator();
    const message = { role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'a' }, { content_type: 'text/plain', content: 'b' }] };
    const events: AcpEvent[] = [
      { type: 'run.created', run: run('created') },
      { type: 'run.in-progress', run: run('in-progress') },
      { type: 'message.created', message: { role: 'agent/echo', parts: [message.parts[0]!] } },
      { type: 'message.part', part: message.parts[0]! },
      { type: 'message.part', part: message.parts[1]! },
      { type: 'message.completed', message },
      { type: 'run.completed', run: run('completed', { output: [message] }) },
    ];
    for (const e of events) checkSchema('Event', e);
    const out = events.flatMap((e) => t.translate(e)).map((r) => StreamResponse.toJSON(r) as Record<string, any>);
    assert.deepEqual(out.map((r) => Object.keys(r)[0]), ['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
    assert.deepEqual(out[2]!['artifactUpdate'].artifact.parts, [{ text: 'a', mediaType: 'text/plain' }, { text: 'b', mediaType: 'text/plain' }]);
    assert.equal(out[3]!['statusUpdate'].status.state, 'TASK_STATE_COMPLETED');
    // Counted, not kept: a long stream's output does not stay in memory.
    assert.equal(t.outputs, 1);
    assert.equal(t.task?.artifacts.length, 0);
  });

  test('a run that completes without message events gives its output before the final status; an error event throws', () => {
    const t = new AcpStreamTranslator();
    t.translate({ type: 'run.created', run: run('created') });
    const out = t.translate({ type: 'run.completed', run: run('completed', { output: [{ role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'z' }] }] }) });
    assert.deepEqual(out.map((r) => r.payload?.$case), ['artifactUpdate', 'statusUpdate']);
    assert.throws(() => t.translate({ type: 'error', error: { code: 'server_error', message: 'boom' } }), /boom/);
  });
});
