/**
 * An approved call whose send failed on a gateway that still runs is sent again by that gateway's
 * next sweep (docs/approvals.md, "States"), not after the margin kept for a send a stopped replica
 * may still be making (the request timeout, 5 minutes by default, and 30 s): nothing of it is in
 * flight anywhere, and the approver's decision should take effect as soon as the agent is back. Real
 * registry, gateway and runtimes: the agent's only runtime is stopped before the approval and another
 * started after it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, callAgent } from '../../helpers/gateway-fixture.js';
import { startGatewayMeshFor, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { textPaymentsAgent } from '../../helpers/payments-agent.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

const TENANT = 'resend';
const { agent: payments, runs } = textPaymentsAgent(2);

describe('an approved call whose send failed', () => {
  let mesh: (GatewayMesh & { token: string }) | undefined;
  let second: Awaited<ReturnType<typeof startRuntime>> | undefined;

  before(async () => {
    // The sweep runs only when the test calls it.
    mesh = await startGatewayMeshFor(
      { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'], credits: 100 },
      { agents: [payments], gateway: { approvals: { rules: [{ id: 'every-payment', agent: 'payments', reason: 'finance decides' }], sweepIntervalMs: 600_000 } } },
    );
  });
  after(async () => {
    await second?.close();
    await mesh?.close();
  });

  const approval = async (id: string): Promise<{ state: string; taskId?: string }> =>
    (await (await fetch(`${mesh!.gw.url}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { state: string; taskId?: string };

  test('is sent again by the same gateway at its next sweep, once the agent is back', async () => {
    const { gw, token, host, registry } = mesh!;
    const sent = await callAgent(gw.url, 'payments', token, 'SendMessage', { message: { messageId: 'pay-the-supplier', role: 'ROLE_USER', parts: [{ text: 'supplier' }] } });
    const parked = ((await sent.json()) as { result: { task: { id: string; status: { state: string } } } }).result.task;
    assert.equal(parked.status.state, 'TASK_STATE_AUTH_REQUIRED');

    await host.close();
    await until('the gateway to have no instance of payments in rotation', () => !(gw.gateway.router.agent('payments')?.instances.some((i) => i.inRotation) ?? false));
    const approved = await fetch(`${gw.url}/v1/approvals/${parked.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(approved.status, 200, await approved.text());
    assert.equal((await approval(parked.id)).state, 'forwarding', 'the send failed: the call waits to be sent again');

    second = await startRuntime([payments], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
    await until('the gateway to route to the new runtime', () => gw.gateway.router.agent('payments')?.instances.some((i) => i.inRotation) ?? false);
    await gw.gateway.approvals.sweep();
    const after = await approval(parked.id);
    assert.equal(after.state, 'approved', 'sent at the first sweep after the agent came back');
    assert.ok(after.taskId !== undefined, 'the agent started a task');
    assert.deepEqual(runs, ['supplier'], 'the agent ran the call once');
  });
});
