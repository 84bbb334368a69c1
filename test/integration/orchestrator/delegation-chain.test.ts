/**
 * A three-hop delegation through a real gateway: a caller runs a workflow on
 * the orchestrator, whose step calls a broker agent, which calls a ledger
 * agent further for the same caller. Each hop exchanges the assertion it was
 * sent (RFC 8693); the audit rows and what the last agent sees name the
 * whole chain.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkillContext } from '../../../src/runtime/index.js';
import { ADMIN_TOKEN, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { KIND, startOtlpReceiver } from '../../helpers/otlp-receiver.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { callForCaller } from '../../helpers/call-for-caller.js';

const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

/** What the broker needs to call further: set once the gateway is up. */
const brokerAccess: { gatewayUrl: string; client?: { clientId: string; clientSecret: string } } = { gatewayUrl: '' };

/** Calls the ledger for whoever called it, with a token exchanged for the assertion it was sent. */
const broker = oneSkillAgent({ name: 'broker', description: 'Books an entry through the ledger' }, 'relay', {
  description: 'Books an entry through the ledger for its caller',
  handler: async (_input: unknown, ctx: SkillContext) => {
    const outcome = await callForCaller(ctx, { gatewayUrl: brokerAccess.gatewayUrl, client: brokerAccess.client! }, { agent: 'ledger', skill: 'record', input: { entry: 'e-1' } });
    if (outcome.state !== 'completed') throw new Error(`the ledger call ended ${outcome.state}: ${JSON.stringify(outcome)}`);
    return { ledger: outcome.output, brokerSaw: { caller: ctx.caller.id, actors: ctx.caller.actors ?? [] } };
  },
});

/** Answers who called it, and through whom. */
const ledger = oneSkillAgent({ name: 'ledger', description: 'Records entries' }, 'record', {
  description: 'Records an entry',
  handler: async (_input: unknown, ctx: SkillContext) => ({ tenant: ctx.tenant, caller: ctx.caller.id, actors: ctx.caller.actors ?? [] }),
});

describe('a delegation chain caller → orchestrator → broker → ledger', () => {
  let mesh: GatewayMesh;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let user: { clientId: string; clientSecret: string };
  let orchestratorClient: string;
  before(async () => {
    receiver = await startOtlpReceiver();
    mesh = await startGatewayMesh({ agents: [broker, ledger], gateway: { otlpEndpoint: receiver.url } });
    brokerAccess.gatewayUrl = mesh.gw.url;
    brokerAccess.client = await createClient(mesh.gw.url, { name: 'broker', tenant: 'platform', scopes: ['gateway:delegate', ...A2A] });
    orch = await startMeshOrchestrator(mesh);
    user = await createClient(mesh.gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] });
    const clients = (await (await fetch(`${mesh.gw.url}/v1/clients?tenant=platform`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    orchestratorClient = clients.clients.find((c: any) => c.name === 'orchestrator').client_id;
  });
  after(async () => {
    await orch?.close();
    await mesh?.close();
    receiver?.server.close();
  });

  test('each hop acts for the caller, and the audit rows nest the actors', async () => {
    const token = await fetchToken(mesh.gw.url, user);
    const res = await fetch(`${mesh.gw.url}/agents/orchestrator`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: runMessage('name: chained\nsteps:\n  - { id: book, call: { agent: broker, skill: relay }, input: { go: true } }\n') } }),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    const task = body.result.task;
    assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task.status));
    const outputs = outputsOf(task);
    // What each agent saw: the caller, and who acted for it before the call reached the agent.
    assert.deepEqual(outputs.brokerSaw, { caller: user.clientId, actors: [orchestratorClient] });
    assert.deepEqual(outputs.ledger, { tenant: 'acme', caller: user.clientId, actors: [orchestratorClient, brokerAccess.client!.clientId] });

    await mesh.gw.gateway.audit.flush();
    const rows = (await mesh.gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'a2a.call');
    const callOf = (agent: string) => rows.find((r) => r.targetAgent === agent && (r.method === 'SendMessage' || r.method === 'SendStreamingMessage'));
    const toOrchestrator = callOf('orchestrator');
    const toBroker = callOf('broker');
    const toLedger = callOf('ledger');
    assert.ok(toOrchestrator && toBroker && toLedger, `one call per hop: ${JSON.stringify(rows.map((r) => [r.targetAgent, r.method]))}`);
    for (const row of [toOrchestrator, toBroker, toLedger]) {
      assert.equal(row.tenant, 'acme', 'every hop is the caller\'s tenant\'s');
      assert.equal(row.user, user.clientId, 'every hop names the top caller');
    }
    assert.deepEqual(toOrchestrator.actor, { kind: 'client', id: user.clientId });
    assert.equal((toOrchestrator.detail as any)?.act, undefined, 'the caller acts for itself');
    assert.deepEqual(toBroker.actor, { kind: 'client', id: orchestratorClient });
    assert.deepEqual((toBroker.detail as any)?.act, { sub: orchestratorClient, agent: 'orchestrator' });
    assert.deepEqual(toLedger.actor, { kind: 'client', id: brokerAccess.client!.clientId });
    assert.deepEqual((toLedger.detail as any)?.act, { sub: brokerAccess.client!.clientId, agent: 'broker', act: { sub: orchestratorClient, agent: 'orchestrator' } });

    // The trace: the gateway's server span of each delegated call names the chain, the top caller first.
    await orch.close();
    await mesh.close();
    const chains = receiver.spans
      .filter((s) => s.service === 'agentmesh-gateway' && s.kind === KIND.SERVER && s.attributes['agentmesh.delegation.chain'] !== undefined)
      .map((s) => [s.attributes['a2a.agent'], s.attributes['agentmesh.delegation.chain']]);
    assert.deepEqual(
      chains.filter(([agent]) => agent === 'broker' || agent === 'ledger').sort(),
      [
        ['broker', `${user.clientId},${orchestratorClient}`],
        ['ledger', `${user.clientId},${orchestratorClient},${brokerAccess.client!.clientId}`],
      ],
    );
    assert.ok(!receiver.spans.some((s) => s.attributes['a2a.agent'] === 'orchestrator' && s.attributes['agentmesh.delegation.chain'] !== undefined), 'the caller\'s own call names no chain');
  });
});
