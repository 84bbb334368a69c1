/**
 * On PostgreSQL: two gateway replicas on one database bridge one
 * ACP agent. A run started through one replica is read, resumed and
 * cancelled through the other by its tenant (who started it is in the
 * database, under tenant row security), and is not found for another tenant.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAcpReferenceServer, type AcpReferenceServer } from '../helpers/acp-reference-server.js';
import { callAgent, createClient, fetchToken } from '../helpers/gateway-fixture.js';
import { startGatewayReplicas } from '../helpers/gateway-replicas.js';
import { call } from '../helpers/registry-fixture.js';
import { postgresSkipReason } from '../helpers/services.js';
import { until } from '../helpers/until.js';
import { closeInTurn } from '../helpers/close-in-turn.js';

const skip = await postgresSkipReason();
const SECRET = 'bridge-replicas-test-secret-0123456789abcdef';

describe('two gateway replicas bridging one ACP agent on PostgreSQL', { skip }, () => {
  let acp: AcpReferenceServer;
  let replicas: Awaited<ReturnType<typeof startGatewayReplicas>>;
  let a: typeof replicas.a;
  let b: typeof replicas.b;

  before(async () => {
    acp = await startAcpReferenceServer({ manifests: [{ name: 'interviewer', description: 'Asks a name', input_content_types: ['text/plain'], output_content_types: ['text/plain'] }], behaviours: { interviewer: 'interview' } });
    replicas = await startGatewayReplicas(SECRET);
    ({ a, b } = replicas);
    const res = await call(replicas.registry.url, 'POST', '/v1/agents', { protocol: 'acp', url: acp.url });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    for (const g of [a, b]) await until('the replica to route to the ACP agent', async () => g.gateway.router.agent('interviewer')?.instances.some((i) => i.inRotation) ?? false);
  });
  after(() => closeInTurn(replicas, acp));

  test("a run started through one replica is its tenant's through the other, and no one else's", async () => {
    const scopes = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
    const acme = await fetchToken(a.url, await createClient(a.url, { name: 'acme', tenant: 'acme', scopes }));
    const globex = await fetchToken(a.url, await createClient(a.url, { name: 'globex', tenant: 'globex', scopes }));
    const rpc = async (url: string, token: string, method: string, params: unknown) => {
      const res = await callAgent(url, 'interviewer', token, method, params);
      return (await res.json()) as any;
    };
    const started = await rpc(a.url, acme, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'start' }] } });
    const task = started.result.task;
    assert.equal(task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    assert.equal((await rpc(b.url, globex, 'GetTask', { id: task.id })).error?.code, -32001);
    assert.equal((await rpc(b.url, acme, 'GetTask', { id: task.id })).result.status.state, 'TASK_STATE_INPUT_REQUIRED');
    const done = await rpc(b.url, acme, 'SendMessage', { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: task.id, parts: [{ text: 'Ada' }] } });
    assert.equal(done.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(done));
  });
});
