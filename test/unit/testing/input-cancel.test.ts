import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { A2ACallError, testAgent, textOf } from 'agentmesh/testing';
import { abortCodes, aborted, kitAgent } from './kit-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('testAgent: input-required and cancel', () => {
  const agent = startedForSuite(() => testAgent(kitAgent));

  test('reply() answers the question on the same task, as often as the skill asks', async () => {
    const asked = await agent().send('hi', { skill: 'greet' });
    assert.equal(asked.state, 'TASK_STATE_INPUT_REQUIRED');
    assert.equal(asked.statusText, 'What is your name?');
    assert.deepEqual(asked.statusData, { field: 'name' });
    const again = await agent().reply(asked, 'Ada');
    assert.equal(again.id, asked.id);
    assert.equal(again.state, 'TASK_STATE_INPUT_REQUIRED');
    assert.equal(again.statusText, 'And your city, Ada?');
    const done = await agent().reply(again.id, 'London');
    assert.equal(done.state, 'TASK_STATE_COMPLETED');
    assert.equal(done.result, 'Hello Ada from London');
    assert.deepEqual(done.history.filter((m) => m.role === 1).map(textOf), ['hi', 'Ada', 'London']);
  });

  test('a reply to a task that asks nothing is refused', async () => {
    const done = await agent().send('x');
    await assert.rejects(agent().reply(done, 'late'), (err: A2ACallError) => /accepts no more messages/.test(err.message));
  });

  test('cancel() cancels a working task and the abort reaches the handler', async () => {
    const started = await agent().start('x', { skill: 'wait' });
    await agent().waitFor(started, 'TASK_STATE_WORKING');
    const canceled = await agent().cancel(started);
    assert.equal(canceled.state, 'TASK_STATE_CANCELED');
    assert.equal(await aborted.get(started.id), 'Task was canceled');
    assert.equal(await abortCodes.get(started.id), 'AM_ERR_TASK_CANCELED', 'a cancel is not "not cancelable"');
  });

  test('cancel() of a task waiting for input cancels it', async () => {
    const asked = await agent().send('x', { skill: 'greet' });
    assert.equal((await agent().cancel(asked)).state, 'TASK_STATE_CANCELED');
    await assert.rejects(agent().reply(asked, 'Ada'), A2ACallError);
  });

  test('waitFor() rejects when the task ended in another state', async () => {
    const done = await agent().send('x', { skill: 'fail' });
    await assert.rejects(agent().waitFor(done, 'TASK_STATE_WORKING'), /ended TASK_STATE_FAILED, not TASK_STATE_WORKING: the lead database is offline/);
  });
});
