import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AgentCard, StreamResponse, Task, TaskState } from '@a2a-js/sdk';
import { AgentmeshError, ErrorCodes } from '../../../src/protocol/errors.js';
import { awaitResumeToA2a, cardToManifest, loadAcpSpecValidator, RunEventTranslator, runStatusOf, taskStateOf, taskToRun, toAcpError, type AcpRunStatus } from '../../../src/acp/index.js';
import { checkSchema } from '../../helpers/acp-conformance.js';

const TASK_ID = '0190f0f0-0000-7000-8000-000000000001';
const CONTEXT_ID = '0190f0f0-0000-7000-8000-000000000002';

function task(state: string, extra: Record<string, unknown> = {}): Task {
  return Task.fromJSON({ id: TASK_ID, contextId: CONTEXT_ID, status: { state, timestamp: '2026-01-01T00:00:01.000Z', ...extra }, artifacts: [], history: [] });
}

describe('ACP runs', () => {
  test('each run status maps to a task state and back (cancelling is still working)', () => {
    const statuses: AcpRunStatus[] = ['created', 'in-progress', 'awaiting', 'cancelled', 'completed', 'failed'];
    for (const s of statuses) assert.equal(runStatusOf(taskStateOf(s)), s);
    assert.equal(taskStateOf('cancelling'), TaskState.TASK_STATE_WORKING);
    assert.equal(runStatusOf(TaskState.TASK_STATE_REJECTED), 'failed');
    assert.equal(runStatusOf(TaskState.TASK_STATE_AUTH_REQUIRED), 'awaiting');
  });

  test('a completed task is a run with its artifacts as one output message, conforming to Run', () => {
    const t = Task.fromJSON({ ...Task.toJSON(task('TASK_STATE_COMPLETED')) as object, artifacts: [{ artifactId: 'a', name: 'result', parts: [{ text: 'hello' }, { data: { n: 1 } }] }] });
    const run = taskToRun(t, { agentName: 'echo', createdAt: Date.parse('2026-01-01T00:00:00Z') });
    checkSchema('Run', run);
    assert.deepEqual(run, {
      agent_name: 'echo',
      run_id: TASK_ID,
      session_id: CONTEXT_ID,
      status: 'completed',
      output: [{ role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'hello', name: 'result' }, { content_type: 'application/json', content: '{"n":1}', name: 'result' }] }],
      created_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:00:01.000Z',
    });
  });

  test('an input-required task awaits with its question; a failed one carries its reason as the error', () => {
    const asking = taskToRun(task('TASK_STATE_INPUT_REQUIRED', { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'Your name?' }] } }), { agentName: 'echo' });
    checkSchema('Run', asking);
    assert.deepEqual(asking.await_request, { type: 'message', message: { role: 'agent/echo', parts: [{ content_type: 'text/plain', content: 'Your name?' }] } });
    const failed = taskToRun(task('TASK_STATE_FAILED', { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'the database is offline' }] } }), { agentName: 'echo' });
    checkSchema('Run', failed);
    assert.deepEqual(failed.error, { code: 'server_error', message: 'the database is offline' });
  });

  test('a context id that is not a UUID gives a run without a session', () => {
    const t = Task.fromJSON({ id: TASK_ID, contextId: 'ctx-1', status: { state: 'TASK_STATE_WORKING' } });
    const run = taskToRun(t, { agentName: 'echo' });
    assert.equal(run.session_id, undefined);
    checkSchema('Run', run);
  });

  test('an await_resume with a message is the user message that continues the task; any other object is one data part', () => {
    const m = awaitResumeToA2a({ type: 'message', message: { role: 'user', parts: [{ content_type: 'text/plain', content: 'Ada' }] } }, { messageId: 'x', taskId: TASK_ID });
    assert.equal(m.taskId, TASK_ID);
    assert.deepEqual(m.parts.map((p) => p.content), [{ $case: 'text', value: 'Ada' }]);
    const d = awaitResumeToA2a({ approved: true }, { messageId: 'y', taskId: TASK_ID });
    assert.deepEqual(d.parts[0]?.content, { $case: 'data', value: { approved: true } });
  });

  test('a stream becomes run events that each conform to Event, in ACP order', () => {
    const tr = new RunEventTranslator({ agentName: 'echo' });
    const frames = [
      { task: Task.toJSON(task('TASK_STATE_SUBMITTED')) },
      { statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_WORKING', message: { messageId: 'p', role: 'ROLE_AGENT', parts: [{ text: 'thinking' }] } } } },
      { artifactUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, artifact: { artifactId: 'a', name: 'story', parts: [{ text: 'one ' }] } } },
      { artifactUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, append: true, artifact: { artifactId: 'a', parts: [{ text: 'two' }] } } },
      { statusUpdate: { taskId: TASK_ID, contextId: CONTEXT_ID, status: { state: 'TASK_STATE_COMPLETED', timestamp: '2026-01-01T00:00:02Z' } } },
    ];
    const events = frames.flatMap((f) => tr.translate(StreamResponse.fromJSON(f)));
    for (const e of events) checkSchema('Event', e);
    assert.deepEqual(events.map((e) => e.type), ['run.created', 'run.in-progress', 'generic', 'message.created', 'message.part', 'message.completed', 'run.completed']);
    const done = events.at(-1) as { run: { output: Array<{ parts: unknown[] }> } };
    assert.equal(done.run.output[0]?.parts.length, 2);
  });

  test('errors take ACP codes from the HTTP status of the one error table', () => {
    const nf = toAcpError(new AgentmeshError(ErrorCodes.TASK_NOT_FOUND, 'Task x not found'));
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.body.code, 'not_found');
    assert.equal(nf.body.data?.['code'], 'AM_ERR_TASK_NOT_FOUND');
    checkSchema('Error', nf.body);
    const bad = toAcpError(new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'bad'));
    assert.equal(bad.body.code, 'invalid_input');
    const hidden = toAcpError(new Error('secret detail'), 'req-1');
    assert.equal(hidden.statusCode, 500);
    assert.equal(hidden.body.code, 'server_error');
    assert.doesNotMatch(hidden.body.message, /secret/);
  });

  test('a card becomes a manifest conforming to AgentManifest', () => {
    const card = AgentCard.fromJSON({ name: 'Lead scorer', description: 'Scores leads', version: '1.2.0', defaultInputModes: ['text/plain'], defaultOutputModes: [], skills: [{ id: 'score', name: 'Score', description: 'Scores one lead', tags: ['sales'] }], provider: { organization: 'Acme', url: 'https://acme.example' } });
    const manifest = cardToManifest(card, 'lead-scorer');
    checkSchema('AgentManifest', manifest);
    assert.deepEqual(manifest.output_content_types, ['*/*']);
    assert.deepEqual(manifest.metadata?.capabilities, [{ name: 'Score', description: 'Scores one lead' }]);
  });

  test("the JSON copy the code loads is the YAML document, and the code's validator reads it like the tests' one", async () => {
    const root = new URL('../../../schemas/acp/', import.meta.url);
    assert.deepEqual(JSON.parse(readFileSync(new URL('openapi.json', root), 'utf8')), parse(readFileSync(new URL('openapi.yaml', root), 'utf8')));
    const spec = await loadAcpSpecValidator();
    assert.deepEqual(spec.check('RunCreateRequest', { agent_name: 'echo', input: [{ role: 'user', parts: [{ content_type: 'text/plain', content: 'hi' }] }] }), []);
    assert.ok(spec.check('RunCreateRequest', { agent_name: 'Echo!', input: [] }).length >= 2);
    assert.deepEqual(spec.check('Run', { agent_name: 'echo', run_id: TASK_ID, status: 'failed', output: [], created_at: '2026-01-01T00:00:00Z', error: null }), []);
  });
});
