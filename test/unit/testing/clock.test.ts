import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock, realClock, testAgent } from 'agentmesh/testing';
import { abortCodes, aborted, kitAgent } from './kit-agent.js';

describe('testAgent: time', () => {
  test('a fake clock runs a skill past its 10-minute timeout in well under a second', async () => {
    await using agent = await testAgent(kitAgent, { clock: 'fake' });
    const started = performance.now();
    const task = await agent.start('x', { skill: 'slow' });
    await agent.waitFor(task, 'TASK_STATE_WORKING');
    agent.clock.advance(599_999);
    assert.equal((await agent.get(task)).state, 'TASK_STATE_WORKING', 'not before its deadline');
    agent.clock.advance(1);
    const failed = await agent.waitFor(task, 'TASK_STATE_FAILED');
    assert.equal(failed.statusText, 'Skill slow timed out after 600000 ms');
    // The skill's deadline is 10 minutes of real time: a run that waited for it instead of the fake clock
    // takes that long. A minute leaves room for a loaded CI machine (two cores, load 20 to 40).
    assert.ok(performance.now() - started < 60_000, `took ${Math.round(performance.now() - started)} ms`);
  });

  test('the timeout reaches the handler as an abort', async () => {
    await using agent = await testAgent(kitAgent, { clock: 'fake' });
    const task = await agent.start('x', { skill: 'wait' });
    await agent.waitFor(task, 'TASK_STATE_WORKING');
    agent.clock.advance(600_000);
    assert.equal(await aborted.get(task.id), 'Skill wait timed out after 600000 ms');
    assert.equal(await abortCodes.get(task.id), 'AM_ERR_HTTP_TIMEOUT');
  });

  test('the skill timeout of the runtime config applies too', async () => {
    await using agent = await testAgent(kitAgent, { clock: 'fake', config: { skillTimeoutMs: 1_000 } });
    const task = await agent.start('x', { skill: 'wait' });
    await agent.waitFor(task, 'TASK_STATE_WORKING');
    agent.clock.advance(1_000);
    assert.equal((await agent.waitFor(task, 'TASK_STATE_FAILED')).statusText, 'Skill wait timed out after 1000 ms');
  });

  test('timestamps are the fake clock\'s', async () => {
    const clock = fakeClock(Date.parse('2030-01-01T00:00:00Z'));
    await using agent = await testAgent(kitAgent, { clock });
    const first = await agent.send('x');
    clock.advance(90_000);
    const second = await agent.send('x');
    assert.equal(first.task.status?.timestamp, '2030-01-01T00:00:00.000Z');
    assert.equal(second.task.status?.timestamp, '2030-01-01T00:01:30.000Z');
  });

  test('a real clock cannot be moved, and says how to get one that can', async () => {
    await using agent = await testAgent(kitAgent);
    assert.equal(agent.clock.fake, false);
    assert.throws(() => agent.clock.advance(1), /clock: fakeClock\(\)/);
    assert.throws(() => realClock().set(0), /real clock/);
  });

  test('fakeClock refuses to go back by advance and takes set', () => {
    const clock = fakeClock(1000);
    assert.throws(() => clock.advance(-1), RangeError);
    clock.set(10);
    clock.advance(5);
    assert.equal(clock.now(), 15);
  });
});
