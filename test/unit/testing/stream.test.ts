import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamResponse } from '@a2a-js/sdk';
import { A2ACallError, progressOf, summarize, testAgent } from 'agentmesh/testing';
import { kitAgent } from './kit-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('testAgent: streamed events', () => {
  const agent = startedForSuite(() => testAgent(kitAgent));

  test('toArray() collects every event: task, progress, artifact chunks, the end', async () => {
    const events = await agent().stream('x', { skill: 'story' }).toArray();
    const taskId = events[0]?.payload?.$case === 'task' ? events[0].payload.value.id : '';
    assert.deepEqual(events.map(summarize), [
      { kind: 'task', state: 'TASK_STATE_SUBMITTED' },
      { kind: 'status', state: 'TASK_STATE_WORKING', text: '' },
      { kind: 'status', state: 'TASK_STATE_WORKING', text: 'writing', data: { words: 3 } },
      { kind: 'artifact', name: 'story', artifactId: `${taskId}-artifact-1`, append: false, lastChunk: false, text: 'once ' },
      { kind: 'artifact', name: '', artifactId: `${taskId}-artifact-1`, append: true, lastChunk: false, text: 'upon ' },
      { kind: 'artifact', name: '', artifactId: `${taskId}-artifact-1`, append: true, lastChunk: true, text: 'a time' },
      { kind: 'artifact', name: 'stats', artifactId: `${taskId}-artifact-2`, append: false, lastChunk: false, text: '', data: { words: 4 } },
      { kind: 'status', state: 'TASK_STATE_COMPLETED', text: '' },
    ]);
    assert.deepEqual(progressOf(events), ['writing']);
    const task = await agent().get(taskId);
    assert.equal(task.text('story'), 'once upon a time');
    assert.deepEqual(task.data('stats'), { words: 4 });
  });

  test('for await yields the SDK StreamResponse events as they come; stopping early lets go', async () => {
    const seen: StreamResponse[] = [];
    const stream = agent().stream('x', { skill: 'wait' });
    for await (const event of stream) {
      seen.push(event);
      if (progressOf(seen).includes('waiting')) break;
    }
    const taskId = seen[0]?.payload?.$case === 'task' ? seen[0].payload.value.id : '';
    assert.equal((await agent().cancel(taskId)).state, 'TASK_STATE_CANCELED');
    await assert.rejects(stream.toArray(), /already read/);
  });

  test('an input-required task ends the stream; the answer streams the rest', async () => {
    const first = await agent().stream('x', { skill: 'greet' }).toArray();
    const taskId = first[0]?.payload?.$case === 'task' ? first[0].payload.value.id : '';
    const last = summarize(first.at(-1)!);
    const rest = await agent().stream('Ada', { taskId }).toArray();
    assert.deepEqual(rest.map(summarize).at(-1), { kind: 'status', state: 'TASK_STATE_INPUT_REQUIRED', text: 'And your city, Ada?' });
    assert.deepEqual(last, { kind: 'status', state: 'TASK_STATE_INPUT_REQUIRED', text: 'What is your name?', data: { field: 'name' } });
  });

  test('subscribe() follows a running task from its current state', async () => {
    const started = await agent().start('x', { skill: 'wait' });
    await agent().waitFor(started, 'TASK_STATE_WORKING');
    const events = agent().subscribe(started);
    const collected = events.toArray();
    // The cancel ends the subscription: collected resolves with it.
    await agent().cancel(started);
    const summaries = (await collected).map(summarize);
    assert.equal(summaries[0]?.kind, 'task');
    assert.deepEqual(summaries.at(-1), { kind: 'status', state: 'TASK_STATE_CANCELED', text: 'Task was canceled' });
  });

  test('a refused streaming call rejects when read', async () => {
    await assert.rejects(agent().stream('x', { skill: 'nope' }).toArray(), (err: unknown) => err instanceof A2ACallError && err.code === -32602);
  });
});
