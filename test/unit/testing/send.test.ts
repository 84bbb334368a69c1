import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { A2ACallError, testAgent } from 'agentmesh/testing';
import { abortCodes, aborted, kitAgent } from './kit-agent.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('testAgent: sending messages', () => {
  const agent = startedForSuite(() => testAgent(kitAgent));

  test('text goes to the default skill; the result is the SDK task with readers', async () => {
    const task = await agent().send('hello');
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.result, 'HELLO (caller anonymous, tenant none)');
    assert.equal(task.text(), 'HELLO (caller anonymous, tenant none)');
    assert.equal(task.task.id, task.id);
    assert.equal(task.history[0]?.parts[0]?.content?.$case, 'text');
  });

  test('a data part goes to the named skill; data() reads the result, usage the summed records', async () => {
    const task = await agent().send({ data: { numbers: [1, 2, 3] } }, { skill: 'sum' });
    assert.deepEqual(task.data(), { sum: 6 });
    assert.equal(task.data<{ sum: number }>('result').sum, 6);
    assert.deepEqual(task.usage, { credits: 3.5, units: { numbers: 3 } });
  });

  test('a task that reports no usage has none', async () => {
    assert.equal((await agent().send('x')).usage, undefined);
  });

  test('continuing a context keeps its contextId; the caller reaches ctx.caller and the tenant', async () => {
    const first = await agent().send('one');
    const second = await agent().send('two', { contextId: first.contextId, caller: { id: 'alice', tenant: 'acme', scopes: [] } });
    assert.equal(second.contextId, first.contextId);
    assert.notEqual(second.id, first.id);
    assert.equal(second.result, 'TWO (caller alice, tenant acme)');
  });

  test('a refused message rejects with A2ACallError naming the field', async () => {
    await assert.rejects(agent().send({ data: { numbers: 'three' } }, { skill: 'sum' }), (err: unknown) => {
      assert.ok(err instanceof A2ACallError);
      assert.equal(err.code, -32602);
      assert.match(err.message, /numbers/);
      return true;
    });
    await assert.rejects(agent().send('x', { skill: 'nope' }), (err: A2ACallError) => err.code === -32602 && /echo/.test(err.message));
  });

  test('a failing handler gives a FAILED task with the reason as status text', async () => {
    const task = await agent().send('x', { skill: 'fail' });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.equal(task.statusText, 'the lead database is offline');
    assert.throws(() => task.text('report'), /no artifact named "report"; it has none; status: the lead database is offline/);
  });

  test('start() answers at once; get() reads the task later', async () => {
    const started = await agent().start('x', { skill: 'wait' });
    assert.notEqual(started.state, 'TASK_STATE_COMPLETED');
    const working = await agent().waitFor(started, 'TASK_STATE_WORKING');
    assert.equal(working.id, started.id);
    assert.equal((await agent().cancel(started)).state, 'TASK_STATE_CANCELED');
    assert.equal((await agent().get(started.id)).state, 'TASK_STATE_CANCELED');
  });

  test('the same messageId again is a retry: the same task', async () => {
    const a = await agent().send('x', { messageId: 'm-1' });
    const b = await agent().send('x', { messageId: 'm-1' });
    assert.equal(b.id, a.id);
  });

  test('the card is the agent\'s', async () => {
    const card = await agent().card();
    assert.equal(card.name, 'kit');
    assert.ok(card.skills.some((s) => s.id === 'greet'));
  });
});

describe('testAgent: lifetime', () => {
  test('await using closes the runtime and removes its temporary directory', async () => {
    let dataDir: string;
    {
      await using agent = await testAgent(kitAgent);
      dataDir = agent.runtime.config.dataDir;
      assert.ok(existsSync(dataDir));
      assert.equal((await agent.send('x')).state, 'TASK_STATE_COMPLETED');
    }
    assert.equal(existsSync(dataDir), false);
  });

  test('close() stops running handlers and is idempotent; calls after it fail', async () => {
    const agent = await testAgent(kitAgent);
    const started = await agent.start('x', { skill: 'wait' });
    await agent.waitFor(started, 'TASK_STATE_WORKING');
    await Promise.all([agent.close(), agent.close()]);
    assert.equal(await aborted.get(started.id), 'runtime shutting down');
    assert.equal(await abortCodes.get(started.id), 'AM_ERR_HTTP_UNAVAILABLE');
    await assert.rejects(agent.send('x'));
  });

  test('the caller option is who every call is made as, unless a call names its own', async () => {
    await using agent = await testAgent(kitAgent, { caller: { id: 'bob', tenant: 'globex', scopes: ['read'] } });
    assert.equal((await agent.send('a')).result, 'A (caller bob, tenant globex)');
    assert.equal((await agent.send('b', { caller: { id: 'eve', tenant: 'initech', scopes: [] } })).result, 'B (caller eve, tenant initech)');
  });

  test('two test agents run side by side on separate stores', async () => {
    await using a = await testAgent(kitAgent);
    await using b = await testAgent(kitAgent);
    const task = await a.send('x');
    await assert.rejects(b.get(task.id), (err: A2ACallError) => err.reason === 'TASK_NOT_FOUND');
  });
});
