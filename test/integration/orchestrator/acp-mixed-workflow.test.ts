import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAcpReferenceServer, type AcpReferenceServer } from '../../helpers/acp-reference-server.js';
import { available, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, startMeshOrchestrator, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { outputsOf, runMessage } from '../../helpers/orchestrator-fixture.js';
import { pricedLeadScorer, scoredLeads } from '../../helpers/priced-scorer.js';
import { call as registryCall } from '../../helpers/registry-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * A workflow that calls a native agent and a bridged
 * ACP agent completes through the gateway, with credits and audit entries
 * for both. The ACP agent is the tests' reference server (written from the
 * ACP document), registered as bridged.
 */

const scorer = pricedLeadScorer({ name: 'native-scorer', description: 'Scores leads for credits' }, async (input, ctx) => scoredLeads(input, ctx, 1));

describe('a workflow mixing a native and a bridged ACP agent, through the gateway', () => {
  let acp: AcpReferenceServer;
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let orch: Awaited<ReturnType<typeof startMeshOrchestrator>>;
  let token: string;

  before(async () => {
    acp = await startAcpReferenceServer({ manifests: [{ name: 'acp-echo', description: 'Echoes what it is sent', input_content_types: ['*/*'], output_content_types: ['*/*'] }], behaviours: { 'acp-echo': 'echo' } });
    mesh = await startGatewayMesh({ agents: [scorer], gateway: { creditsMode: 'exact' } });
    gw = mesh.gw;
    const registered = await registryCall(mesh.registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url, metadata: { skills: { 'acp-echo': { pricing: { creditsPerCall: 2 } } } } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    orch = await startMeshOrchestrator(mesh);
    await until('the gateway routes to the bridged agent', () => gw.gateway.router.agent('acp-echo')?.instances.some((i) => i.inRotation) ?? false);
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'] }));
    await topUp(gw.url, 'acme', 100);
  });
  after(() => closeInTurn(orch, mesh, acp));

  it('completes, charging the caller for both steps, with an audit entry for each', async () => {
    const before = await available(gw.url, 'acme');
    const message = runMessage(`
name: mixed-protocols
steps:
  - { id: score, call: { agent: native-scorer }, input: { leadIds: [l1, l2, l3] } }
  - { id: echo, call: { agent: acp-echo }, input: { scored: "{{ steps.score.output.scored }}" } }
`);
    const res = await callAgent(gw.url, 'orchestrator', token, 'SendMessage', { message });
    const body = (await res.json()) as any;
    const task = body.result?.task;
    assert.equal(task?.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    const outputs = outputsOf(task) as any;
    assert.deepEqual(outputs, { scored: 3 }, JSON.stringify(outputs));
    // 3 credits for the native step (its reported usage), 2 for the bridged one (its price).
    await until('acme is charged for both steps', async () => (await available(gw.url, 'acme')) === before - 5000);
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 200 });
    // The orchestrator calls each step (it streams them) for the caller's tenant.
    const steps = rows.filter((r) => r.eventType === 'a2a.call' && r.tenant === 'acme' && r.targetAgent !== 'orchestrator');
    assert.equal(steps.length, 2, JSON.stringify(steps));
    assert.ok(steps.some((r) => r.targetAgent === 'native-scorer' && r.outcome === 'ok' && r.milliCredits === 3000), JSON.stringify(steps));
    assert.ok(steps.some((r) => r.targetAgent === 'acp-echo' && r.outcome === 'ok' && r.milliCredits === 2000), JSON.stringify(steps));
    assert.equal((await gw.gateway.audit.verify()).ok, true);
    assert.deepEqual(acp.requests.filter((r) => r.startsWith('NONCONFORMING')), []);
    assert.ok([...acp.runs.values()].some((r) => r['agent_name'] === 'acp-echo' && r['status'] === 'completed'));
  });
});
