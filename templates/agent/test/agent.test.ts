import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import agent from '../src/agent.js';

// testAgent runs the agent in this process on an in-memory store and calls it through its A2A routes.

test('greets a name sent as text', async () => {
  await using myAgent = await testAgent(agent);
  const task = await myAgent.send('Ada');
  assert.equal(task.state, 'TASK_STATE_COMPLETED');
  assert.deepEqual(task.data(), { greeting: 'Hello, Ada!' });
  assert.deepEqual(task.usage, { credits: 0.1, units: { greetings: 1 } });
});

test('greets in the language a data part asks for', async () => {
  await using myAgent = await testAgent(agent);
  const task = await myAgent.send({ data: { name: 'Ada', language: 'fr' } });
  assert.deepEqual(task.data(), { greeting: 'Bonjour, Ada!' });
});

test('refuses data without a name, naming the field', async () => {
  await using myAgent = await testAgent(agent);
  await assert.rejects(myAgent.send({ data: { language: 'fr' } }), (err: A2ACallError) => {
    assert.equal(err.code, -32602);
    assert.match(err.message, /data\.name is required/);
    return true;
  });
});
