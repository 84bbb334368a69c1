import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testAgent } from 'agentmesh/testing';
import echo from '../../../agents/echo.js';

test('echo answers with the text it was sent', async () => {
  await using agent = await testAgent(echo);
  const task = await agent.send('hello');
  assert.equal(task.state, 'TASK_STATE_COMPLETED');
  assert.equal(task.text(), 'You said: hello');
});

test('echo asks first when told "ask me", then echoes the answer on the same task', async () => {
  await using agent = await testAgent(echo);
  const asked = await agent.send('ask me');
  assert.equal(asked.state, 'TASK_STATE_INPUT_REQUIRED');
  assert.equal(asked.statusText, 'What should I echo?');
  const done = await agent.reply(asked, 'bonjour');
  assert.equal(done.id, asked.id);
  assert.equal(done.result, 'You said: bonjour');
});

test('echo stops asking when the task is canceled', async () => {
  await using agent = await testAgent(echo);
  const asked = await agent.send('ask me');
  assert.equal((await agent.cancel(asked)).state, 'TASK_STATE_CANCELED');
});
