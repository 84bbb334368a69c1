import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '@a2a-js/sdk';
import { defineAgent, type AgentDefinition } from 'agentmesh';
import { ReplyResult, summarize, testAgent, type AgentUnderTest } from 'agentmesh/testing';
import { Latches } from '../../helpers/latches.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';
import { until } from '../../helpers/until.js';

/** Gates the `decide` skill waits on, by its text, when a test opened one (concurrent retries join it). */
const gates = new Latches();
const gated = new Set<string>();
let decideRuns = 0;

/** Skills that answer with a message, decide between a message and a task, or decline. */
const replier: AgentDefinition = defineAgent({
  card: { name: 'replier', description: 'Answers with messages' },
  defaultSkill: 'hello',
  skills: {
    hello: {
      description: 'Greets with a message, no task',
      messageReplies: true,
      handler: (text: string, ctx) => ctx.reply(`Hello, ${text}`, { metadata: { tone: 'warm' } }),
    },
    lookup: {
      description: 'Answers a data part with a data part; reports usage first',
      messageReplies: true,
      input: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
      output: { type: 'object', required: ['value'], properties: { value: { type: 'string' } } },
      handler: (input, ctx) => {
        ctx.usage({ credits: 0.25, units: { lookups: 1 } });
        if (input.key === 'plain') return { value: 'as a task' };
        return ctx.reply([{ text: 'found' }, { data: { value: input.key.toUpperCase() } }]);
      },
    },
    decide: {
      description: 'Short questions get a message; long ones a task with progress',
      messageReplies: true,
      handler: async (text: string, ctx) => {
        decideRuns++;
        if (gated.has(text)) {
          gates.get(`${text} started`).resolve();
          await gates.get(text).promise;
        }
        if (text.length <= 10) return ctx.reply(`short: ${text}`);
        ctx.progress('thinking');
        return ctx.reply(`long: ${text.length} characters`);
      },
    },
    taskful: {
      description: 'A task skill that replies: its reply becomes the result',
      handler: (text: string, ctx) => ctx.reply([{ text: `result of ${text}` }]),
    },
    empty: {
      description: 'Replies with no parts',
      messageReplies: true,
      handler: (_text: string, ctx) => ctx.reply([]),
    },
    broken: {
      description: 'Fails before it decides',
      messageReplies: true,
      handler: () => {
        throw new Error('the answer store is offline');
      },
    },
    picky: {
      description: 'Declines what it does not serve',
      messageReplies: true,
      handler: (text: string, ctx) => {
        if (text !== 'emea') ctx.reject(`We do not serve ${text}`);
        return ctx.reply('served');
      },
    },
    'picky-task': {
      description: 'A task skill that declines after reporting progress',
      handler: (text: string, ctx) => {
        ctx.progress('checking the region');
        ctx.reject(`We do not serve ${text}`);
      },
    },
    stuck: {
      description: 'Never decides',
      messageReplies: true,
      timeoutMs: 50,
      handler: async (_text: string, ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    },
  },
});

/** The agent's tasks as ListTasks sees them (what a reply must not leave). */
async function taskCount(agent: AgentUnderTest): Promise<number> {
  const response = await agent.runtime.app.inject({
    method: 'POST',
    url: `/agents/${agent.name}/`,
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
    payload: { jsonrpc: '2.0', id: 1, method: 'ListTasks', params: { pageSize: 100 } },
  });
  return (response.json() as { result: { tasks: unknown[] } }).result.tasks.length;
}

describe('skills that answer with a message (ADR 0034)', () => {
  const agent = startedForSuite(() => testAgent(replier));

  test('a reply is the answer: role agent, a new messageId, the metadata given, and no task exists anywhere', async () => {
    const before = await taskCount(agent());
    const reply = await agent().ask('Ada');
    assert.ok(reply instanceof ReplyResult);
    assert.equal(reply.text, 'Hello, Ada');
    assert.equal(reply.message.role, 2, 'ROLE_AGENT');
    assert.equal(reply.taskId, '');
    assert.match(reply.messageId, /^[0-9a-f-]{36}$/);
    assert.ok(reply.contextId.length > 0, 'a generated contextId is part of the answer (A2A §3.4.1)');
    assert.deepEqual(reply.metadata, { tone: 'warm' });
    assert.equal(await taskCount(agent()), before, 'no task was stored');
  });

  test("the caller's contextId is kept; a data reply reads with data(); usage reported before the reply rides on it", async () => {
    const first = await agent().ask('x');
    const again = await agent().ask('y', { contextId: first.contextId });
    assert.equal(again.contextId, first.contextId);
    const found = await agent().ask({ data: { key: 'abc' } }, { skill: 'lookup' });
    assert.equal(found.text, 'found');
    assert.deepEqual(found.data(), { value: 'ABC' });
    assert.deepEqual(found.usage, { credits: 0.25, units: { lookups: 1 } });
  });

  test('a value returned by a skill that may reply is a task as ever', async () => {
    const task = await agent().send({ data: { key: 'plain' } }, { skill: 'lookup' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.data(), { value: 'as a task' });
    assert.deepEqual(task.usage, { credits: 0.25, units: { lookups: 1 } });
  });

  test('streamed, the reply is the one event of the stream', async () => {
    const events = await agent().stream('Grace').toArray();
    assert.deepEqual(events.map(summarize), [{ kind: 'message', role: 'agent', text: 'Hello, Grace' }]);
  });

  test('the handler decides: a reply first is a message; progress first makes a task, whose result is the reply', async () => {
    assert.equal((await agent().ask('brief', { skill: 'decide' })).text, 'short: brief');
    const answer = await agent().answer('a much longer question', { skill: 'decide' });
    assert.ok(!(answer instanceof ReplyResult), 'a task');
    assert.equal(answer.state, 'TASK_STATE_COMPLETED');
    assert.equal(answer.text(), 'long: 22 characters');
    const events = await agent().stream('another long question', { skill: 'decide' }).toArray();
    assert.deepEqual(
      events.map(summarize).map((e) => ('state' in e ? `${e.kind} ${e.state}` : e.kind)),
      ['task TASK_STATE_SUBMITTED', 'status TASK_STATE_WORKING', 'status TASK_STATE_WORKING', 'artifact', 'status TASK_STATE_COMPLETED'],
      'a task created late streams as one created early',
    );
  });

  test('a caller that does not wait (returnImmediately) or asks for pushes gets a task at once; the reply is its result', async () => {
    const started = await agent().start('Ada');
    const done = await agent().waitFor(started, 'TASK_STATE_COMPLETED');
    assert.equal(done.text(), 'Hello, Ada');
    await using pushing = await testAgent(replier, { push: true });
    const pushed = await pushing.send('Lin', { push: true });
    assert.equal(pushed.state, 'TASK_STATE_COMPLETED');
    assert.equal(pushed.text(), 'Hello, Lin');
  });

  test('a task skill that replies completes its task with the reply as its result', async () => {
    const task = await agent().send('x', { skill: 'taskful' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.text(), 'result of x');
    await assert.rejects(agent().ask('x', { skill: 'taskful' }), /answered with task .* \(TASK_STATE_COMPLETED\), not a message/);
  });

  test('send() on a reply says to read it with ask()', async () => {
    await assert.rejects(agent().send('Ada'), /answered with a message, not a task \(read it with agent\.ask\(\)/);
  });

  test('failing, timing out or replying with nothing before deciding leaves a FAILED task that says why', async () => {
    const broken = await agent().send('x', { skill: 'broken' });
    assert.equal(broken.state, 'TASK_STATE_FAILED');
    assert.equal(broken.statusText, 'the answer store is offline');
    const empty = await agent().send('x', { skill: 'empty' });
    assert.equal(empty.state, 'TASK_STATE_FAILED');
    assert.equal(empty.statusText, 'Skill empty replied with a message of no parts; a reply needs at least one');
    const stuck = await agent().send('x', { skill: 'stuck' });
    assert.equal(stuck.state, 'TASK_STATE_FAILED');
    assert.equal(stuck.statusText, 'Skill stuck timed out after 50 ms');
  });

  test('a retry of a send still deciding joins it; a retry after the reply runs the skill again (nothing was stored)', async () => {
    gated.add('retried');
    const runs = decideRuns;
    const engine = agent().runtime.engine;
    const message = Message.fromJSON({ messageId: 'retried-1', role: 'ROLE_USER', parts: [{ text: 'retried' }], metadata: { skillId: 'decide' } });
    const call = { tenant: '', caller: { authenticated: false, id: '', scopes: [] } };
    // Both sends start in one turn: the second finds the first in flight, as a retry arriving meanwhile does.
    const first = engine.send('replier', message, call, { messageReply: true });
    const second = engine.send('replier', message, call, { messageReply: true });
    await gates.get('retried started').promise;
    gates.get('retried').resolve();
    const [a, b] = await Promise.all([first, second]);
    assert.ok('reply' in a && 'reply' in b, 'both are answered with the message');
    assert.equal(a.reply.messageId, b.reply.messageId, 'the same reply');
    assert.equal(b.duplicate, true);
    assert.equal(decideRuns, runs + 1);
    gated.delete('retried');
    const later = await agent().ask('retried', { skill: 'decide', messageId: 'retried-1' });
    assert.notEqual(later.messageId, a.reply.messageId);
    assert.equal(decideRuns, runs + 2);
  });
});

describe('a runtime that stops while a skill that may reply has not decided', () => {
  const held = defineAgent({
    card: { name: 'held', description: 'Decides slowly' },
    skills: {
      rerunnable: { description: 'Safe to run again', idempotent: true, messageReplies: true, handler: (_t: string, ctx) => new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true })) },
      once: { description: 'Not safe to run again', messageReplies: true, handler: (_t: string, ctx) => new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true })) },
    },
  });
  const call = { tenant: '', caller: { authenticated: false, id: '', scopes: [] } };
  const message = (skill: string) => Message.fromJSON({ messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }], metadata: { skillId: skill } });

  /** `held` on a test agent, stopped while the handler of `skill` has not decided: the agent, and what the send became. */
  async function stoppedWhileDeciding(skill: string) {
    const agent = await testAgent(held);
    const engine = agent.runtime.engine;
    const sent = engine.send('held', message(skill), call, { messageReply: true });
    await until('the handler runs', () => engine.activeRuns === 1);
    await engine.shutdown();
    return { agent, sent };
  }

  test('a skill that is safe to run again is let go: the caller is told to retry (503), nothing was written', async () => {
    const { agent, sent } = await stoppedWhileDeciding('rerunnable');
    await assert.rejects(sent, (err: { code?: string }) => err.code === 'AM_ERR_HTTP_UNAVAILABLE');
    assert.equal(await taskCount(agent), 0);
    await agent.close();
  });

  test('another is written FAILED with the reason, and the caller gets that task', async () => {
    const { agent, sent } = await stoppedWhileDeciding('once');
    const outcome = await sent;
    assert.ok(!('reply' in outcome));
    const task = await agent.get(outcome.taskId);
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /shut down before the task finished/);
    await agent.close();
  });
});

describe('skills that reject their task', () => {
  const agent = startedForSuite(() => testAgent(replier));

  test('ctx.reject() ends the task REJECTED with the reason, before or after it started', async () => {
    const early = await agent().send('apac', { skill: 'picky' });
    assert.equal(early.state, 'TASK_STATE_REJECTED');
    assert.equal(early.statusText, 'We do not serve apac');
    assert.equal((await agent().ask('emea', { skill: 'picky' })).text, 'served');
    const late = await agent().send('latam', { skill: 'picky-task' });
    assert.equal(late.state, 'TASK_STATE_REJECTED');
    assert.equal(late.statusText, 'We do not serve latam');
    const events = await agent().stream('amer', { skill: 'picky-task' }).toArray();
    assert.deepEqual(events.map(summarize).at(-1), { kind: 'status', state: 'TASK_STATE_REJECTED', text: 'We do not serve amer' });
  });

  test('metrics count rejected tasks by their state, and message answers apart from tasks', async () => {
    const scrape = async () => (await agent().runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
    const sample = (body: string, series: string): number => Number(body.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1) ?? 0);
    const before = await scrape();
    await agent().send('apac', { skill: 'picky' });
    await agent().ask('emea', { skill: 'picky' });
    const after = await scrape();
    const rejected = 'agentmesh_runtime_tasks_total{agent="replier",skill="picky",state="TASK_STATE_REJECTED"}';
    const replies = 'agentmesh_runtime_message_replies_total{agent="replier",skill="picky"}';
    const completed = 'agentmesh_runtime_tasks_total{agent="replier",skill="picky",state="TASK_STATE_COMPLETED"}';
    assert.equal(sample(after, rejected) - sample(before, rejected), 1);
    assert.equal(sample(after, replies) - sample(before, replies), 1);
    assert.equal(sample(after, completed), 0, 'a message answer is not a completed task');
  });
});
