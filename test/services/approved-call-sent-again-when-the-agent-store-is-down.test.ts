/**
 * An approved call the agent could not take (its runtime's PostgreSQL unreachable for a moment, so it
 * answers AM_ERR_STORAGE_UNAVAILABLE) is not used up: the gateway keeps it `forwarding` and sends it
 * again at its next sweep, and once the store is back the agent runs it once (docs/approvals.md,
 * "States"). Found by the nemesis approvals workload: approved calls answered that way during a
 * PostgreSQL fault ended failed, the approver's decision lost. Real PostgreSQL behind a TCP proxy the
 * test controls, runtime, registry and gateway.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrateDatabase } from '../../src/storage/index.js';
import { ADMIN_TOKEN, callAgent } from '../helpers/gateway-fixture.js';
import { startGatewayMeshFor, type GatewayMesh } from '../helpers/gateway-mesh.js';
import { textPaymentsAgent } from '../helpers/payments-agent.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { proxyInFrontOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const skip = await postgresSkipReason();
const TENANT = 'store-down';
const { agent: payments, runs } = textPaymentsAgent(2);

describe('an approved call the agent could not take', { skip }, () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let mesh: (GatewayMesh & { token: string }) | undefined;

  before(async () => {
    schema = await createTestSchema();
    await migrateDatabase({ url: schema.url });
    const proxied = await proxyInFrontOf(schema.url, 5432);
    proxy = proxied.proxy;
    // The sweep runs only when the test calls it; a refused connection makes the runtime answer at once while its store is cut off; the query deadline is for a loaded host.
    mesh = await startGatewayMeshFor(
      { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'], credits: 100 },
      {
        agents: [payments],
        runtime: { databaseUrl: proxied.url, databasePoolSize: 2, databaseQueryTimeoutMs: 5_000 },
        gateway: { approvals: { rules: [{ id: 'every-payment', agent: 'payments', reason: 'finance decides' }], sweepIntervalMs: 600_000 } },
      },
    );
  });
  after(async () => {
    await mesh?.close();
    await proxy?.close();
    await schema?.drop();
  });

  const approval = async (id: string): Promise<{ state: string; taskId?: string; outcome?: { error?: string } }> =>
    (await (await fetch(`${mesh!.gw.url}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { state: string; taskId?: string };

  test('is kept, sent again at the next sweep once the store is back, and runs once', async () => {
    const { gw, token } = mesh!;
    const sent = await callAgent(gw.url, 'payments', token, 'SendMessage', { message: { messageId: 'pay-while-down', role: 'ROLE_USER', parts: [{ text: 'supplier' }] } });
    const parked = ((await sent.json()) as { result: { task: { id: string; status: { state: string } } } }).result.task;
    assert.equal(parked.status.state, 'TASK_STATE_AUTH_REQUIRED');

    proxy.refuse();
    const approved = await fetch(`${gw.url}/v1/approvals/${parked.id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(approved.status, 200, await approved.text());
    const during = await approval(parked.id);
    assert.equal(during.state, 'forwarding', `not used up while the agent could not take it: ${JSON.stringify(during)}`);
    assert.deepEqual(runs, []);

    proxy.heal();
    await until('the runtime to be ready again', async () => (await fetch(`${mesh!.host.url}/ready`)).status === 200);
    await until('the gateway to route to it', () => gw.gateway.router.agent('payments')?.instances.some((i) => i.inRotation) ?? false);
    await gw.gateway.approvals.sweep();
    const after = await approval(parked.id);
    assert.equal(after.state, 'approved', JSON.stringify(after));
    assert.equal(after.outcome?.error, undefined, JSON.stringify(after));
    assert.deepEqual(runs, ['supplier'], 'the agent ran the call once');
  });
});
