import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, testAgent } from 'agentmesh/testing';
import { kitAgent } from './kit-agent.js';

describe('testAgent: push notifications', () => {
  test('a task sent with push: true notifies the inbox of each event, signed by the agent', async () => {
    await using agent = await testAgent(kitAgent, { push: true });
    const task = await agent.send('x', { skill: 'story', push: { token: 'secret-token' } });
    const deliveries = await agent.push.deliver(task.id);
    assert.deepEqual(deliveries.map((d) => summarize(d.event).kind), ['task', 'status', 'status', 'artifact', 'artifact', 'artifact', 'artifact', 'status']);
    assert.deepEqual(summarize(deliveries.at(-1)!.event), { kind: 'status', state: 'TASK_STATE_COMPLETED', text: '' });
    assert.deepEqual(deliveries.map((d) => d.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    for (const d of deliveries) {
      assert.equal(d.taskId, task.id);
      assert.equal(d.token, 'secret-token');
      assert.ok(d.signature.valid, d.signature.valid ? '' : d.signature.error);
      assert.equal(d.signature.claims.aud, agent.push.url);
    }
  });

  test('a forged signature is reported invalid', async () => {
    await using agent = await testAgent(kitAgent, { push: true });
    const task = await agent.send('x', { push: true });
    const [first] = await agent.push.deliver(task.id);
    assert.ok(first?.signature.valid);
    // The same body posted by someone else, with no signature: the inbox checks, not trusts.
    const response = await fetch(agent.push.url, { method: 'POST', headers: { 'content-type': 'application/a2a+json', 'x-a2a-notification-signature': 'e30.e30.e30' }, body: first.body });
    assert.equal(response.status, 200);
    const forged = agent.push.deliveries.at(-1)!;
    assert.equal(forged.signature.valid, false);
    assert.match(forged.signature.valid ? '' : forged.signature.error, /signature rejected/);
  });

  test('tasks sent without push notify nothing', async () => {
    await using agent = await testAgent(kitAgent, { push: true });
    await agent.send('x');
    assert.deepEqual(await agent.push.deliver(), []);
  });

  test('a failed delivery is retried after its backoff, on the fake clock', async () => {
    await using agent = await testAgent(kitAgent, { push: true, clock: 'fake' });
    agent.push.failNext(503);
    const task = await agent.send('x', { push: true });
    assert.deepEqual(await agent.push.deliver(task.id), [], 'the first event failed, and the rest wait behind it');
    assert.equal(agent.push.attempts.length, 1);
    assert.equal(agent.push.attempts[0]!.status, 503);
    agent.clock.advance(60_000);
    const delivered = await agent.push.deliver(task.id);
    assert.equal(summarize(delivered[0]!.event).kind, 'task');
    assert.equal(delivered[0]!.seq, 1);
    assert.deepEqual(summarize(delivered.at(-1)!.event), { kind: 'status', state: 'TASK_STATE_COMPLETED', text: '' });
    assert.ok(delivered.every((d) => d.signature.valid));
  });

  test('agent.push without push: true says how to get one', async () => {
    await using agent = await testAgent(kitAgent);
    assert.throws(() => agent.push, /testAgent\(agent, \{ push: true \}\)/);
    await assert.rejects(agent.send('x', { push: true }), /push: true/);
  });
});
