/**
 * A workflow that names an agent the registry does not list is refused
 * before its first step, naming the agent: nothing runs and nothing is
 * charged for a run that would fail at that step. A workflow whose agents
 * are all registered runs as before.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { requiredAgentsOf } from '../../../src/orchestrator/index.js';
import { startOrchestrator, workflow } from '../../helpers/orchestrator-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { rpc, startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

let calls = 0;
const first = defineAgent({
  card: { name: 'first-step', description: 'Runs first' },
  defaultSkill: 'go',
  skills: { go: { description: 'Counts its calls', handler: async () => `call ${++calls}` } },
});

const TWO_STEPS = workflow(`
name: two-steps
steps:
  - id: one
    call: { agent: first-step }
    input: "go"
  - id: two
    call: { agent: late-agent }
    input: "{{ steps.one.output }}"
  - id: either
    fallback:
      - id: primary
        call: { agent: not-anywhere }
        input: "x"
      - id: backup
        call: { agent: first-step }
        input: "y"
`);

const ONE_STEP = workflow(`
name: one-step
steps:
  - id: one
    call: { agent: first-step }
    input: "go"
`);

describe('a workflow naming an agent the registry does not list', () => {
  /** A registry listing first-step (its runtime registered), and an orchestrator serving both workflows. */
  const setup = startedForSuite(async () => {
    const registry = await startRegistry({ probeIntervalMs: 200 });
    const host = await startRuntime([first], { registryUrl: registry.url });
    await until('first-step to register', async () => (await fetch(`${registry.url}/v1/agents/first-step`)).status === 200);
    const orch = await startOrchestrator({ 'first-step': host.agents['first-step']! }, { workflows: [TWO_STEPS, ONE_STEP], config: { registryUrl: registry.url, anonymousTenant: 'default' } });
    return { registry, host, orch, close: () => closeInTurn(orch, host, registry) };
  });

  test('the agents a workflow needs: those named outright, not a fallback\'s alternatives', () => {
    assert.deepEqual(requiredAgentsOf(TWO_STEPS), ['first-step', 'late-agent']);
  });

  test('is refused before its first step, naming the agent; one whose agents are registered runs', async () => {
    const send = (skillId: string) => rpc(setup().orch.url, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'go' }], metadata: { skillId } } });
    const refused = (await send('two-steps')).body;
    const task = refused.result?.task;
    assert.equal(task?.status?.state, 'TASK_STATE_FAILED', JSON.stringify(refused));
    assert.match(JSON.stringify(task.status), /workflow two-steps needs agent 'late-agent', which the registry does not list: nothing was run/);
    assert.equal(calls, 0, 'the first step did not run');

    const ran = (await send('one-step')).body;
    assert.equal(ran.result?.task?.status?.state, 'TASK_STATE_COMPLETED', JSON.stringify(ran));
    assert.equal(calls, 1);
  });
});
