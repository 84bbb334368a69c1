/**
 * A workflow whose step would loop: the orchestrator, running for a caller,
 * calls an agent already acting in the call's delegation chain. The gateway
 * refuses that call (docs/adr/0074-delegation-loop-guard.md); the run fails
 * at once, without a retry, with an error that names the step and the loop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkillContext } from '../../../src/runtime/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { runMessage } from '../../helpers/orchestrator-fixture.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { callForCaller } from '../../helpers/call-for-caller.js';

const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

/** What the planner needs to call further: set once the gateway is up. */
const plannerAccess: { gatewayUrl: string; client?: { clientId: string; clientSecret: string } } = { gatewayUrl: '' };

/** Hands the work back to the orchestrator, for its caller: the loop a workflow can build without knowing it. */
const planner = oneSkillAgent({ name: 'planner', description: 'Plans, then asks the orchestrator to run the plan' }, 'plan', {
  description: 'Runs a workflow on the orchestrator for its caller',
  handler: async (_input: unknown, ctx: SkillContext) => {
    const outcome = await callForCaller(ctx, { gatewayUrl: plannerAccess.gatewayUrl, client: plannerAccess.client! }, {
      agent: 'orchestrator',
      skill: 'run-workflow',
      input: { workflow: 'name: inner\nsteps:\n  - { id: noop, call: { agent: planner, skill: plan }, input: { go: true } }\n' },
    });
    if (outcome.state !== 'completed') throw new Error(`the orchestrator call ended ${outcome.state}: ${'error' in outcome ? outcome.error : ''}`);
    return outcome.output;
  },
});

describe('a workflow step that would loop', () => {
  let mesh: GatewayMesh;
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let token: string;
  before(async () => {
    mesh = await startGatewayMesh({ agents: [planner] });
    plannerAccess.gatewayUrl = mesh.gw.url;
    plannerAccess.client = await createClient(mesh.gw.url, { name: 'planner', tenant: 'platform', scopes: ['gateway:delegate', ...A2A] });
    orch = await startMeshOrchestrator(mesh);
    token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
  });
  after(async () => {
    await orch?.close();
    await mesh?.close();
  });

  const run = async (workflowText: string) => {
    const res = await fetch(`${mesh.gw.url}/agents/orchestrator`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: runMessage(workflowText) } }),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.result.task;
  };
  const reasonOf = (task: any): string => task.status.message.parts.map((p: any) => p.text ?? JSON.stringify(p.data)).join(' ');

  test('a step that names the orchestrator itself fails, named, before any call', async () => {
    const task = await run('name: recursive\nsteps:\n  - { id: again, call: { agent: orchestrator, skill: run-workflow }, input: { workflow: x } }\n');
    assert.equal(task.status.state, 'TASK_STATE_FAILED', JSON.stringify(task.status));
    const reason = reasonOf(task);
    assert.match(reason, /again: .*'orchestrator' was named, but that is the router itself/, reason);
  });

  test('a step whose agent calls the orchestrator back fails, named, with the loop it would make', async () => {
    const task = await run('name: hand-back\nsteps:\n  - { id: plan, call: { agent: planner, skill: plan }, input: { go: true } }\n');
    assert.equal(task.status.state, 'TASK_STATE_FAILED', JSON.stringify(task.status));
    const reason = reasonOf(task);
    assert.match(reason, /^Workflow hand-back failed: plan: /, `the step is named: ${reason}`);
    assert.match(reason, /Calling orchestrator would loop: it already acts in this call's delegation chain \(orchestrator → planner → orchestrator\)/, reason);
    await mesh.gw.gateway.audit.flush();
    const refused = (await mesh.gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'delegation.refused' && r.targetAgent === 'orchestrator');
    assert.ok(refused.some((r) => r.actor.id === plannerAccess.client!.clientId && r.detail?.['refused'] === 'loop'), JSON.stringify(refused));
  });
});
