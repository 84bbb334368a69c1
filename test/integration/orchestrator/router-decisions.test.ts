/**
 * A real orchestrator (SQLite, the repo's
 * workflows) routing over the example agents registered in a real registry:
 * every decision explained in the task's metadata, "no agent for this",
 * asking when the candidates are close, the choice remembered for the
 * conversation and learned for the tenant, and a request that fits a
 * workflow starting it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleAgents } from '../../../agents/index.js';
import { createOrchestrator, type Orchestrator } from '../../../src/compose/orchestrator-entry.js';
import { rpc, userMessage } from '../../helpers/runtime-fixture.js';
import { startRegisteredAgents, type RegisteredAgents } from '../../unit/orchestrator/router/registered-agents.js';
import { closeInTurn, directoryRemoval } from '../../helpers/close-in-turn.js';

const EXPLAIN = 'agentmesh.route.explain';
const workflowsDir = fileURLToPath(new URL('../../../workflows/', import.meta.url));
const routedTo = (task: any): string | undefined => task.metadata?.[EXPLAIN]?.chosen;

describe('router decisions through a real orchestrator', () => {
  let mesh: RegisteredAgents;
  let orchestrator: Orchestrator;
  let url: string;
  let dataDir: string;

  before(async () => {
    mesh = await startRegisteredAgents(exampleAgents);
    dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-router-decisions-'));
    orchestrator = await createOrchestrator({ config: { registryUrl: mesh.registry.url, workflowsDir, runtime: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', shutdownDeadlineMs: 1000 } } });
    ({ url } = await orchestrator.listen());
  });
  after(() => closeInTurn(orchestrator, mesh, directoryRemoval(dataDir)));

  const send = async (text: string, extra: Record<string, unknown> = {}) => (await rpc(url, 'SendMessage', { message: userMessage(text, extra) })).body.result.task;

  test("the README's example reaches audience-architect, and the task's metadata says why", async () => {
    const task = await send('score leads similar to my best customers');
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const explain = task.metadata[EXPLAIN];
    assert.equal(explain.decision, 'route');
    assert.equal(explain.chosen, 'audience-architect');
    assert.equal(explain.candidates[0].id, 'audience-architect');
    assert.ok(explain.candidates.length >= 2, 'the runner-ups are listed too');
    for (const c of explain.candidates) assert.ok(typeof c.score === 'number' && typeof c.coverage === 'number' && Array.isArray(c.cues), JSON.stringify(c));
    assert.ok(explain.cues.includes('lookalike'), `the intent cue that decided: ${explain.cues}`);
    assert.ok(explain.candidates[0].cues.includes('cue:lookalike'));
  });

  test('a request nothing in the mesh does is answered "no agent for this", with its explanation', async () => {
    const task = await send('Book me a flight to Berlin next Tuesday');
    assert.equal(task.status.state, 'TASK_STATE_FAILED');
    assert.match(task.status.message.parts[0].text, /^No agent for this: nothing in the mesh covers 'Book me a flight to Berlin next Tuesday'/);
    assert.equal(task.metadata[EXPLAIN].decision, 'none');
  });

  test('close candidates make the router ask; the reply routes, is remembered for the conversation and learned for the tenant', async () => {
    const text = 'We need to do something about our leads';
    const asked = await send(text);
    assert.equal(asked.status.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(asked.status));
    const [question, data] = asked.status.message.parts;
    assert.match(question.text, /^Which of these is meant\? Answer with a number or a name\.\n1\. /);
    const candidates: Array<{ id: string; why: string }> = data.data['agentmesh.route.ask'].candidates;
    assert.ok(candidates.length >= 2 && candidates.length <= 3, JSON.stringify(candidates));
    assert.ok(candidates.every((c) => c.why.length > 0), 'each candidate says why it fits');
    assert.equal(asked.metadata[EXPLAIN].decision, 'ask');
    const pick = candidates.findIndex((c) => c.id === 'lead-scorer');
    assert.ok(pick >= 0, `lead-scorer is among ${candidates.map((c) => c.id)}`);

    const answered = await send(String(pick + 1), { taskId: asked.id, contextId: asked.contextId });
    assert.equal(answered.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(answered.status));
    assert.equal(routedTo(answered), 'lead-scorer');
    assert.equal(answered.metadata[EXPLAIN].decision, 'choice');
    assert.ok(answered.artifacts.some((a: any) => a.name === 'result'));

    // The conversation remembers the choice.
    const followUp = await send('and now the ones from yesterday', { contextId: asked.contextId });
    assert.equal(followUp.metadata[EXPLAIN].decision, 'conversation');
    assert.equal(routedTo(followUp), 'lead-scorer');

    // The tenant's ranking learned it: the same request in a new conversation goes straight there.
    const again = await send(text);
    assert.equal(again.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(again.status));
    assert.equal(routedTo(again), 'lead-scorer');
    assert.ok(again.metadata[EXPLAIN].candidates[0].cues.some((c: string) => c.startsWith('learned:')), JSON.stringify(again.metadata[EXPLAIN].candidates[0]));
  });

  test('a reply that is not a choice is read as more words about the request', async () => {
    const asked = await send('Find the best leads');
    assert.equal(asked.status.state, 'TASK_STATE_INPUT_REQUIRED', JSON.stringify(asked.status));
    const answered = await send('qualify them, most promising first', { taskId: asked.id, contextId: asked.contextId });
    assert.equal(answered.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(answered.status));
    assert.equal(routedTo(answered), 'lead-scorer');
  });

  test('a request that fits a workflow starts it, with the message data as its inputs', async () => {
    const task = await send('Do the full lookalike campaign: enrichment, scoring and launch', { parts: [{ text: 'Do the full lookalike campaign: enrichment, scoring and launch' }, { data: { leadIds: ['lead-001', 'lead-002', 'lead-003'], top: 2 } }] });
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    assert.equal(task.metadata[EXPLAIN].decision, 'workflow');
    assert.equal(task.metadata[EXPLAIN].chosen, 'workflow:lookalike-campaign');
    const outputs = task.artifacts.find((a: any) => a.name === 'outputs').parts[0].data;
    assert.equal(outputs.leadsScored, 3);
    assert.ok(outputs.campaign, JSON.stringify(outputs));
  });
});
