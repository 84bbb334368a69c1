import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { userMessage } from '../../helpers/runtime-fixture.js';
import { balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { SendMessageRequest, GetTaskRequest } from '@a2a-js/sdk';
import { connectAgent } from '../../../src/cli/index.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { pricedLeadScorer, scoredLeads, type LeadsInput } from '../../helpers/priced-scorer.js';

/** A priced agent (seed 004: 1 credit per lead over leadIds) that reports its own usage. */
const scorer = pricedLeadScorer(
  { name: 'scorer', description: 'Scores leads' },
  async (input: LeadsInput & { fail?: boolean }, ctx) => {
    if (input.fail) throw new Error('scoring model offline');
    // Charges half the estimate: settlement must use what the agent reports.
    return scoredLeads(input, ctx, 0.5);
  },
  { flags: ['fail'] },
);

describe('gateway in front of a runtime, found through the registry', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let host: GatewayMesh['host'];
  let agentUrl: string;
  let tokenA: string;
  let tokenB: string;
  let readOnly: string;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [scorer] });
    ({ gw, host } = mesh);
    agentUrl = `${gw.url}/agents/scorer`;
    const all = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
    tokenA = await fetchToken(gw.url, await createClient(gw.url, { name: 'a', tenant: 'acme', scopes: all }));
    tokenB = await fetchToken(gw.url, await createClient(gw.url, { name: 'b', tenant: 'globex', scopes: all }));
    readOnly = await fetchToken(gw.url, await createClient(gw.url, { name: 'ro', tenant: 'acme', scopes: ['a2a:tasks:read'] }));
    await topUp(gw.url, 'acme', 100);
  });
  after(() => mesh?.close());

  const send = (token: string | undefined, params: Record<string, unknown>, method = 'SendMessage') =>
    fetch(agentUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  const scoreMessage = (leadIds: string[], extra: Record<string, unknown> = {}) => userMessage('', { parts: [{ data: { leadIds, ...extra } }], metadata: { skillId: 'score' } });

  test('no token: 401 with WWW-Authenticate; a token without the scope: 403', async () => {
    const anon = await send(undefined, { message: scoreMessage(['l1']) });
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer/);
    const denied = await send(readOnly, { message: scoreMessage(['l1']) });
    assert.equal(denied.status, 403);
    assert.match(denied.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    const body = (await denied.json()) as any;
    assert.equal(body.error.code, -32600);
  });

  test('a priced call reserves the estimate and settles at the reported usage', async () => {
    const before = await balanceTotal(gw.url, 'acme');
    const res = await send(tokenA, { message: scoreMessage(['l1', 'l2', 'l3', 'l4']) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
    assert.ok(res.headers.get('ratelimit-remaining'));
    await until('the settlement', async () => (await balanceTotal(gw.url, 'acme')) === before - 2000);
  });

  test('a failed task is refunded', async () => {
    const before = await balanceTotal(gw.url, 'acme');
    const res = await send(tokenA, { message: scoreMessage(['l1', 'l2'], { fail: true }) });
    const body = (await res.json()) as any;
    assert.equal(body.result.task.status.state, 'TASK_STATE_FAILED');
    await until('the refund', async () => (await balanceTotal(gw.url, 'acme')) === before);
  });

  test('a retried message (same messageId) is charged once', async () => {
    const before = await balanceTotal(gw.url, 'acme');
    const message = scoreMessage(['l1', 'l2']);
    await (await send(tokenA, { message })).json();
    await (await send(tokenA, { message })).json();
    await until('one charge', async () => (await balanceTotal(gw.url, 'acme')) === before - 1000);
  });

  test('a tenant without credits gets 402 and nothing runs', async () => {
    const res = await send(tokenB, { message: scoreMessage(['l1']) });
    assert.equal(res.status, 402);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, -32010);
  });

  test('another tenant cannot read, cancel or list a task', async () => {
    const res = await send(tokenA, { message: scoreMessage(['l9']) });
    const id = ((await res.json()) as any).result.task.id;
    const foreign = await send(tokenB, { id }, 'GetTask');
    assert.equal(((await foreign.json()) as any).error.code, -32001);
    const cancel = await send(tokenB, { id }, 'CancelTask');
    assert.equal(((await cancel.json()) as any).error.code, -32001);
    const list = await send(tokenB, {}, 'ListTasks');
    assert.ok(!((await list.json()) as any).result.tasks.some((t: any) => t.id === id));
    const own = await send(tokenA, { id }, 'GetTask');
    assert.equal(((await own.json()) as any).result.id, id);
  });

  test('the agent refuses calls that bypass the gateway', async () => {
    const direct = await fetch(host.agents.scorer!, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${tokenA}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } }) });
    const body = (await direct.json()) as any;
    assert.match(body.error.message, /gateway assertion/);
  });

  for (const protocol of ['1.0', '0.3'] as const) {
    for (const binding of ['jsonrpc', 'rest'] as const) {
      test(`the official SDK client works through the gateway (${protocol}, ${binding})`, async () => {
        const { client, agentInterface } = await connectAgent({ url: agentUrl, token: tokenA, protocol, binding });
        assert.ok(agentInterface.url.startsWith(gw.url), `the card points at the gateway: ${agentInterface.url}`);
        const sent = (await client.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ data: { leadIds: ['a', 'b'] } }], metadata: { skillId: 'score' } } }))) as any;
        assert.ok(sent.id, JSON.stringify(sent));
        const got = (await client.getTask(GetTaskRequest.fromJSON({ id: sent.id }))) as any;
        assert.equal(got.id, sent.id);
        // This task's own charge, as the trail records it (the balance also moves with earlier tests' settlements,
        // which can land while this one runs: comparing balances was racy under load).
        await until('the settlement', async () => {
          await gw.gateway.audit.flush();
          const rows = await gw.gateway.audit.tail({ limit: 200 });
          return rows.some((r) => r.taskId === sent.id && r.tenant === 'acme' && r.milliCredits === 1000 && (r.eventType === 'credits.settled' || (r.eventType === 'a2a.call' && (r.detail as any)?.settled === true)));
        });
      });
    }
  }

  test('every call is audited in a chain that verifies', async () => {
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 200 });
    assert.ok(rows.some((r) => r.eventType === 'auth.denied'));
    assert.ok(rows.some((r) => r.eventType === 'scope.denied'));
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.tenant === 'acme' && r.targetAgent === 'scorer'));
    // The 4-lead call reserved 4 credits and was charged the 2 the agent reported.
    assert.ok(rows.some((r) => r.eventType === 'a2a.call' && r.milliCredits === 2000 && (r.detail as any)?.reservedMilliCredits === 4000), 'the audit records what a call was charged');
    const verdict = await gw.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
  });
});
