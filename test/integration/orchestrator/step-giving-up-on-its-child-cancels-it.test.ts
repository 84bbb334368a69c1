/**
 * A step whose calls give up on a child task that has not ended (here: the
 * answer to the child's question never gets through, every attempt refused)
 * cancels that child before the step fails. Before, the run failed and the
 * child was left asking for ever: a task that never ends, holding its
 * credits, found by the nemesis as "every task terminal after the heal".
 *
 * The orchestrator reaches the agent through an HTTP forwarder that refuses
 * every reply (a SendStreamingMessage naming the child's task) with a 503;
 * GetTask and CancelTask pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAgentCaller } from '../../../src/compose/orchestrator-entry.js';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';
import { runMessage, startOrchestrator, untilRunEnds } from '../../helpers/orchestrator-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { startHttpForwarder } from '../../helpers/http-forwarder.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

test('a step whose calls give up on a child still asking cancels that child', async (t) => {
  const children: string[] = [];
  const agents = await startRuntime([
    oneSkillAgent({ name: 'asker', description: 'Asks, then answers with the answer' }, 'ask', {
      description: 'Asks one question',
      handler: async (_input: unknown, ctx) => {
        children.push(ctx.taskId);
        const answer = await ctx.requestInput('Which one?');
        return answer.parts.length;
      },
    }),
  ]);
  const forwarder = await startHttpForwarder(agents.agents['asker']!);
  const caller = createAgentCaller({ directUrl: () => forwarder.url, retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10 } });
  const orch = await startOrchestrator({}, { caller });
  t.after(() => closeInTurn(orch, forwarder, agents));

  const yaml = `
name: one-asking-call
steps:
  - { id: ask, call: { agent: asker }, input: { n: 1 } }
`;
  const { body } = await rpc(orch.url, 'SendMessage', { message: runMessage(yaml), configuration: { returnImmediately: true } });
  const runId: string = body.result.task?.id ?? body.result.id;
  assert.ok(runId, JSON.stringify(body));
  await until('the run asks', async () => (await rpc(orch.url, 'GetTask', { id: runId })).body.result?.status?.state === 'TASK_STATE_INPUT_REQUIRED');
  assert.equal(children.length, 1);

  // Every reply to the child is refused; the initial send (its taskId empty) already went through.
  forwarder.answerUnavailable((r) => r.body.includes('SendStreamingMessage') && /"taskId":"[^"]+"/.test(r.body), 100);
  const answered = await rpc(orch.url, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: runId, parts: [{ text: 'this one' }] } });
  assert.equal(answered.body.error, undefined, JSON.stringify(answered.body));

  const run = await untilRunEnds(orch.url, runId, 'the run ends');
  assert.equal(run.status.state, 'TASK_STATE_FAILED', JSON.stringify(run.status));
  // The cancel is sent before the step fails: by the run's end the child has ended.
  const child = await rpc(agents.agents['asker']!, 'GetTask', { id: children[0] });
  assert.equal(child.body.result?.status?.state, 'TASK_STATE_CANCELED', JSON.stringify(child.body.result?.status));
});
