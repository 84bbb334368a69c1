import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleAgents } from '../../../agents/index.js';
import { createAgentCaller } from '../../../src/orchestrator/calls/index.js';
import { ROUTE_SKILL } from '../../../src/orchestrator/run-events.js';
import { createRouteSkill } from '../../../src/orchestrator/router/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { call } from '../../helpers/registry-fixture.js';
import { readSse, rpc, startRuntime, storyInChunks, userMessage, untilAborted } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { notebookAgent, startRegisteredAgents, type RegisteredAgents } from '../../unit/orchestrator/router/registered-agents.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

const { agent: notebook, notes } = notebookAgent();

/** A long import that runs until canceled: records which tasks started and which saw the cancel. */
const waiter = { started: [] as string[], canceled: [] as string[] };
const importer = oneSkillAgent({ name: 'importer', description: 'Imports a large archive, slowly' }, 'import', {
  description: 'Imports an archive until told to stop',
  handler: async (_: string, ctx) => {
    waiter.started.push(ctx.taskId);
    ctx.progress('importing');
    await untilAborted(ctx.signal);
    waiter.canceled.push(ctx.taskId);
  },
});

/** Streams its story in three chunks of one artifact. */
const storyteller = defineAgent({
  card: { name: 'storyteller', description: 'Tells a short story' },
  skills: {
    tell: storyInChunks('Tells a story in chunks'),
  },
});

const route = (r: Record<string, unknown>) => ({ metadata: { 'agentmesh.route': r } });

describe('the route skill hosted by a runtime, routing to live specialists', () => {
  let mesh: RegisteredAgents;
  let router: Awaited<ReturnType<typeof startRuntime>>;
  let url: string;

  before(async () => {
    mesh = await startRegisteredAgents([...exampleAgents, notebook, importer, storyteller]);
    const caller = createAgentCaller({ directUrl: (agent: string) => mesh.host.agents[agent] ?? Promise.reject(new Error(`no agent ${agent} in the test mesh`)) });
    const orchestrator = defineAgent({
      card: { name: 'orchestrator', description: 'Routes each request to the right specialist' },
      defaultSkill: ROUTE_SKILL,
      skills: { [ROUTE_SKILL]: createRouteSkill({ caller, registryUrl: mesh.registry.url, self: 'orchestrator', anonymousTenant: 'default' }) },
    });
    // Registered too, as in `agentmesh up`: the router must never pick itself.
    router = await startRuntime([orchestrator], { registryUrl: mesh.registry.url, shutdownDeadlineMs: 1000 });
    url = router.agents['orchestrator']!;
    await until('the orchestrator registered', async () => (await call(mesh.registry.url, 'GET', '/v1/agents/orchestrator')).status === 200);
  });
  after(() => closeInTurn(router, mesh));

  test('routes a request by its text and streams the specialist\'s progress and artifacts back', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', accept: 'text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message: userMessage('Score my leads against our best customers') } }),
    });
    const frames = (await readSse(response)).map((f) => f.data.result);
    const texts = frames.flatMap((r) => r.statusUpdate?.status?.message?.parts?.filter((p: any) => p.text).map((p: any) => p.text) ?? []);
    assert.match(texts[0] ?? '', /^Routing to lead-scorer \(score-leads\): matched 'score', 'leads'/);
    const routeData = frames.flatMap((r) => r.statusUpdate?.status?.message?.parts ?? []).find((p: any) => p.data?.['agentmesh.route'])?.data['agentmesh.route'];
    assert.deepEqual([routeData?.agent, routeData?.skill, routeData?.via], ['lead-scorer', 'score-leads', 'text']);
    assert.ok(texts.some((t) => /^Scoring \d+ leads against \d+ best customers$/.test(t)), `the specialist's progress is relayed: ${texts.join(' / ')}`);
    const artifacts = frames.filter((r) => r.artifactUpdate).map((r) => r.artifactUpdate.artifact);
    assert.deepEqual(artifacts.map((a) => a.name), ['summary', 'result']);
    const result = artifacts[1].parts[0].data;
    assert.equal(result.scored.length, 10);
    assert.equal(frames.at(-1).statusUpdate.status.state, 'TASK_STATE_COMPLETED');
  });

  test('forwards data parts as they came', async () => {
    const message = { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds: ['lead-001', 'lead-002'] } }], ...route({ agent: 'lead-scorer' }) };
    const { body } = await rpc(url, 'SendMessage', { message });
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const result = task.artifacts.find((a: any) => a.name === 'result').parts[0].data;
    assert.deepEqual(result.scored.map((s: any) => s.leadId).sort(), ['lead-001', 'lead-002']);
  });

  test('artifact chunks stream through as chunks of one artifact', async () => {
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('tell me a story', route({ agent: 'storyteller' })) });
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.artifacts.map((a: any) => [a.name, a.parts.map((p: any) => p.text).join('')]), [['story', 'one two three']]);
  });

  test('a follow-up in the same context reaches the same specialist, in its own context', async () => {
    const first = await rpc(url, 'SendMessage', { message: userMessage('buy milk', route({ agent: 'notebook' })) });
    const task = first.body.result.task;
    assert.equal(task.artifacts[0].parts[0].text, '1 notes: buy milk');
    // Text that alone would go elsewhere: the conversation decides.
    const second = await rpc(url, 'SendMessage', { message: userMessage('Review this contract for risky clauses', { contextId: task.contextId }) });
    const followUp = second.body.result.task;
    assert.notEqual(followUp.id, task.id);
    assert.equal(followUp.contextId, task.contextId);
    assert.equal(followUp.artifacts[0].parts[0].text, '2 notes: buy milk | Review this contract for risky clauses');
    assert.equal(notes.size, 1, 'both notes landed in one specialist context');
    assert.ok(followUp.history.some((m: any) => m.parts.some((p: any) => p.text === 'Routing to notebook (note): continuing this conversation')));
    // Naming the same specialist again carries on in its context; naming another one leaves it.
    const third = await rpc(url, 'SendMessage', { message: userMessage('call mum', { contextId: task.contextId, ...route({ agent: 'notebook' }) }) });
    assert.equal(third.body.result.task.artifacts[0].parts[0].text, '3 notes: buy milk | Review this contract for risky clauses | call mum');
    const elsewhere = await rpc(url, 'SendMessage', { message: userMessage('echo me', { contextId: task.contextId, ...route({ agent: 'echo' }) }) });
    assert.equal(elsewhere.body.result.task.artifacts.find((a: any) => a.name === 'result').parts[0].text, 'You said: echo me');
    const back = await rpc(url, 'SendMessage', { message: userMessage('a new notebook', { contextId: task.contextId }) });
    assert.equal(back.body.result.task.artifacts.find((a: any) => a.name === 'result').parts[0].text, 'You said: a new notebook', 'the conversation now continues with echo');
  });

  test('an input-required specialist makes the router ask; the answer goes through and the task completes', async () => {
    const first = await rpc(url, 'SendMessage', { message: userMessage('ask me', route({ agent: 'echo' })) });
    const task = first.body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(task.status));
    assert.equal(task.status.message.parts[0].text, 'What should I echo?');
    const second = await rpc(url, 'SendMessage', { message: userMessage('the answer', { taskId: task.id, contextId: task.contextId }) });
    const done = second.body.result.task;
    assert.equal(done.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(done.status));
    assert.equal(done.artifacts.find((a: any) => a.name === 'result').parts[0].text, 'You said: the answer');
  });

  test('canceling the router task cancels the specialist task', async () => {
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('import the archive', route({ agent: 'importer' })), configuration: { returnImmediately: true } });
    const routerTask = body.result.task.id;
    await until('the importer started', () => waiter.started.length === 1);
    const canceled = await rpc(url, 'CancelTask', { id: routerTask });
    assert.equal(canceled.body.result.status.state, 'TASK_STATE_CANCELED');
    await until('the importer saw the cancel', () => waiter.canceled.length === 1);
    const child = await rpc(mesh.host.agents['importer']!, 'GetTask', { id: waiter.started[0] });
    assert.equal(child.body.result.status.state, 'TASK_STATE_CANCELED');
  });

  test('a request no agent fits fails the task, saying what was tried', async () => {
    const { body } = await rpc(url, 'SendMessage', { message: userMessage('hello', route({ agent: 'nobody' })) });
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_FAILED');
    assert.match(task.status.message.parts[0].text, /^No agent to route to: agent 'nobody' was named, but it is not registered\./);
  });

  test('without a tenant (no gateway in front) and no anonymousTenant configured, the request is refused', async () => {
    const caller = createAgentCaller({ directUrl: (agent: string) => mesh.host.agents[agent]! });
    const strict = defineAgent({
      card: { name: 'strict-orchestrator', description: 'Routes, but only for known tenants' },
      skills: { [ROUTE_SKILL]: createRouteSkill({ caller, registryUrl: mesh.registry.url, self: 'strict-orchestrator' }) },
    });
    const host = await startRuntime([strict]);
    try {
      const { body } = await rpc(host.agents['strict-orchestrator']!, 'SendMessage', { message: userMessage('hello', route({ agent: 'echo' })) });
      assert.equal(body.result.task.status.state, 'TASK_STATE_FAILED');
      assert.match(body.result.task.status.message.parts[0].text, /^The request carries no tenant: call the orchestrator through the gateway/);
    } finally {
      await host.close();
    }
  });

  test('a specialist\'s failure fails the router task with its reason', async () => {
    const message = { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds: ['lead-999999'] } }], ...route({ agent: 'lead-scorer' }) };
    const { body } = await rpc(url, 'SendMessage', { message });
    assert.equal(body.result.task.status.state, 'TASK_STATE_FAILED');
    assert.match(body.result.task.status.message.parts[0].text, /^lead-scorer failed: Unknown lead ids: lead-999999/);
  });
});
