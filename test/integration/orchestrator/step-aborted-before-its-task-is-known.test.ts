/**
 * A step aborted (here: its run canceled) after its call reached the agent
 * but before the agent's task was announced on the stream still cancels
 * that task: the orchestrator keeps reading the call's stream until the
 * task's id arrives, then cancels it. Before, it closed the stream at once,
 * knew no task to cancel, and the child ran on (and kept its credits).
 *
 * The answer is held between the runtime and the orchestrator (an HTTP
 * forwarder) until the run's cancel is answered: the abort comes while the
 * task is not yet known, whatever the machine's speed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rpc, startRuntime, untilAborted } from '../../helpers/runtime-fixture.js';
import { runMessage, startOrchestrator, untilRunEnds } from '../../helpers/orchestrator-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { startHttpForwarder } from '../../helpers/http-forwarder.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

test("a step aborted before its child's task is announced cancels that task once it is", async (t) => {
  const started: string[] = [];
  let canceled = 0;
  const agents = await startRuntime([
    oneSkillAgent({ name: 'slow', description: 'Works until canceled' }, 'work', {
      description: 'Works until canceled',
      handler: async (_input: unknown, ctx) => {
        started.push(ctx.taskId);
        await untilAborted(ctx.signal);
        canceled++;
      },
    }),
  ]);
  const forwarder = await startHttpForwarder(agents.agents['slow']!);
  const orch = await startOrchestrator({ slow: forwarder.url });
  t.after(() => closeInTurn(orch, forwarder, agents));

  const held = forwarder.holdAnswer((r) => r.body.includes('SendStreamingMessage'));
  const yaml = `
name: one-slow-call
steps:
  - { id: work, call: { agent: slow }, input: { n: 1 } }
`;
  const { body } = await rpc(orch.url, 'SendMessage', { message: runMessage(yaml), configuration: { returnImmediately: true } });
  const runId: string = body.result.task?.id ?? body.result.id;
  assert.ok(runId, JSON.stringify(body));
  await held.arrived;
  await until('the child task started', () => started.length === 1);

  const cancel = await rpc(orch.url, 'CancelTask', { id: runId });
  assert.equal(cancel.body.error, undefined, JSON.stringify(cancel.body));
  held.release();

  const run = await untilRunEnds(orch.url, runId, 'the run ends');
  assert.equal(run.status.state, 'TASK_STATE_CANCELED');
  await until('the child task is canceled', async () => {
    const child = await rpc(agents.agents['slow']!, 'GetTask', { id: started[0] });
    return child.body.result?.status?.state === 'TASK_STATE_CANCELED';
  });
  assert.equal(canceled, 1, "the child's handler saw its cancel");
});
