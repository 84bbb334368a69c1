/**
 * Approval gates through a real gateway, registry and runtime (docs/approvals.md,
 * ADR 0037): a call a rule matches waits in AUTH_REQUIRED with its reason,
 * holding its estimate without being charged; approval sends it (the skill
 * runs once) and charges it then; denial and expiry end it REJECTED and
 * release the hold; every decision is audited with who, when and why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { ADMIN_TOKEN, available, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { asTask } from '../../helpers/sdk-client.js';
import { paymentsAgent } from '../../helpers/payments-agent.js';

const TENANT = 'approvals';
const REASON = 'Payments above 1000 need a finance approval';
/** `pay` costs 5 credits a call and pays `amount`. */
const { agent: payments, amounts: paid } = paymentsAgent({ skill: 'pay', creditsPerCall: 5, department: 'finance' });

let sequence = 0;
function payRequest(amount: number): SendMessageRequest {
  return SendMessageRequest.fromJSON({ message: { messageId: `pay-${Date.now()}-${sequence++}`, role: 'ROLE_USER', parts: [{ data: { amount } }], metadata: { skillId: 'pay' } } });
}

describe('approval gates: parked, approved, denied, expired, with credits right', () => {
  let mesh: GatewayMesh;
  let client: Client;
  let approverToken: string;
  let outsiderToken: string;
  let plainToken: string;
  let callerToken: string;

  before(async () => {
    // Exact holds: every hold is a ledger row, so "held, not charged" is read there directly.
    mesh = await startGatewayMesh({
      agents: [payments],
      gateway: { creditsMode: 'exact', approvals: { rules: [{ id: 'big-payments', agent: 'payments', condition: 'input.amount > 1000', reason: REASON, expiresAfterMs: 120_000 }], sweepIntervalMs: 600_000 } },
    });
    const url = mesh.gw.url;
    const caller = await fetchToken(url, await createClient(url, { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'] }));
    approverToken = await fetchToken(url, await createClient(url, { name: 'finance', tenant: TENANT, scopes: ['gateway:approve'] }));
    outsiderToken = await fetchToken(url, await createClient(url, { name: 'other-finance', tenant: 'elsewhere', scopes: ['gateway:approve'] }));
    plainToken = await fetchToken(url, await createClient(url, { name: 'clerk', tenant: TENANT, scopes: ['a2a:tasks:read'] }));
    await topUp(url, TENANT, 100);
    callerToken = caller;
    client = (await connectAgent({ url: `${url}/agents/payments`, protocol: '1.0', binding: 'jsonrpc', token: caller })).client;
  });
  after(async () => {
    await mesh?.close();
  });

  const api = (path: string, token: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${mesh.gw.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) }, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });

  async function park(amount: number): Promise<Task> {
    const task = asTask(await client.sendMessage(payRequest(amount)));
    assert.equal(task.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    return task;
  }

  test('a call no rule matches runs at once', async () => {
    const before = paid.length;
    const task = asTask(await client.sendMessage(payRequest(10)));
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(paid.length, before + 1);
  });

  test('a matching call waits in AUTH_REQUIRED with its reason, holding its estimate, charging nothing, running nothing', async () => {
    const total = await balanceTotal(mesh.gw.url, TENANT);
    const free = await available(mesh.gw.url, TENANT);
    const before = paid.length;
    const task = await park(5000);
    assert.match(task.id, /^approval-/);
    assert.match(JSON.stringify(task.status?.message?.parts), /Waiting for approval: Payments above 1000 need a finance approval/);
    const meta = task.metadata?.['agentmesh.approval'] as Record<string, unknown>;
    assert.equal(meta['state'], 'pending');
    assert.equal(meta['reason'], REASON);
    assert.equal(meta['approverScope'], 'gateway:approve');
    assert.equal(paid.length, before, 'the skill did not run');
    assert.equal(await balanceTotal(mesh.gw.url, TENANT), total, 'nothing charged');
    assert.equal(await available(mesh.gw.url, TENANT), free - 5000, 'the estimate is held');
    // GetTask on the parked task says the same.
    const again = await client.getTask({ id: task.id, historyLength: 0 } as never);
    assert.equal(again.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    await api(`/v1/approvals/${task.id}/deny`, approverToken, { method: 'POST', body: { reason: 'cleanup' } });
  });

  test('approval sends the call once and charges it then; GetTask then reads the agent\'s task', async () => {
    const task = await park(2500);
    const total = await balanceTotal(mesh.gw.url, TENANT);
    const before = paid.length;
    const listed = (await (await api('/v1/approvals?state=pending', approverToken)).json()) as { approvals: Array<{ id: string; caller: string; reason: string }> };
    const mine = listed.approvals.find((a) => a.id === task.id);
    assert.ok(mine, 'the approver sees it in its inbox');
    assert.equal(mine.reason, REASON);
    const shown = (await (await api(`/v1/approvals/${task.id}`, approverToken)).json()) as { message: { parts: Array<{ data?: unknown }> } };
    assert.deepEqual(shown.message.parts[0]!.data, { amount: 2500 }, 'the approver reads what it approves');

    const res = await api(`/v1/approvals/${task.id}/approve`, approverToken, { method: 'POST', body: { reason: 'budget line 7' } });
    assert.equal(res.status, 200);
    const decided = (await res.json()) as { state: string; decidedBy: string; decisionReason: string; taskId: string };
    assert.equal(decided.state, 'approved');
    assert.equal(decided.decisionReason, 'budget line 7');
    assert.equal(paid.length, before + 1, 'the skill ran once');
    assert.equal(await balanceTotal(mesh.gw.url, TENANT), total - 5000, 'charged on approval');
    const read = await client.getTask({ id: task.id } as never);
    assert.equal(read.id, decided.taskId);
    assert.equal(read.status?.state, TaskState.TASK_STATE_COMPLETED);

    // A decision is made once.
    const twice = await api(`/v1/approvals/${task.id}/deny`, approverToken, { method: 'POST', body: { reason: 'too late' } });
    assert.equal(twice.status, 409);
    assert.equal(((await twice.json()) as { error: { details: Array<{ reason?: string }> } }).error.details[0]!.reason, 'AM_ERR_GATEWAY_APPROVAL_DECIDED');
    assert.equal(paid.length, before + 1);

    await mesh.gw.gateway.audit.flush();
    const rows = (await mesh.gw.gateway.audit.tail({ limit: 200 })).filter((r) => r.eventType === 'approval.approved' && (r.detail as Record<string, unknown>)['approval'] === task.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor.id, decided.decidedBy);
    assert.equal((rows[0]!.detail as Record<string, unknown>)['reason'], 'budget line 7');
    assert.ok(rows[0]!.time);
  });

  test('SubscribeToTask on a parked task says to use GetTask; once approved, it reaches the agent\'s task, never the agent under the gated id', async () => {
    const task = await park(3000);
    const subscribe = async (id: string) => {
      const res = await fetch(`${mesh.gw.url}/agents/payments`, { method: 'POST', headers: { authorization: `Bearer ${callerToken}`, 'content-type': 'application/json', 'a2a-version': '1.0' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SubscribeToTask', params: { id } }) });
      return { status: res.status, text: await res.text() };
    };
    const waiting = await subscribe(task.id);
    const refusal = JSON.parse(waiting.text) as { error: { code: number; message: string } };
    assert.equal(refusal.error.code, -32004, waiting.text);
    assert.match(refusal.error.message, new RegExp(`Task ${task.id} is TASK_STATE_AUTH_REQUIRED; there is nothing to subscribe to. Use GetTask.`));

    const res = await api(`/v1/approvals/${task.id}/approve`, approverToken, { method: 'POST', body: { reason: 'ok' } });
    assert.equal(res.status, 200);
    const { taskId } = (await res.json()) as { taskId: string };
    // The agent's task ended at once: the agent answers for its own task id, which the caller never sent.
    const after = await subscribe(task.id);
    assert.ok(after.text.includes(taskId), after.text);
    assert.ok(!after.text.includes('was not found'), after.text);
  });

  test('denial ends the task REJECTED with the reason and releases the hold', async () => {
    const total = await balanceTotal(mesh.gw.url, TENANT);
    const free = await available(mesh.gw.url, TENANT);
    const before = paid.length;
    const task = await park(9000);
    const refused = await api(`/v1/approvals/${task.id}/deny`, approverToken, { method: 'POST', body: {} });
    assert.equal(refused.status, 400, 'a denial says why');
    const res = await api(`/v1/approvals/${task.id}/deny`, approverToken, { method: 'POST', body: { reason: 'no such supplier' } });
    assert.equal(res.status, 200);
    const read = await client.getTask({ id: task.id } as never);
    assert.equal(read.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(JSON.stringify(read.status?.message?.parts), /no such supplier/);
    assert.equal(paid.length, before);
    assert.equal(await balanceTotal(mesh.gw.url, TENANT), total);
    assert.equal(await available(mesh.gw.url, TENANT), free);
    await mesh.gw.gateway.audit.flush();
    assert.ok((await mesh.gw.gateway.audit.tail({ limit: 200 })).some((r) => r.eventType === 'approval.denied' && (r.detail as Record<string, unknown>)['reason'] === 'no such supplier'));
  });

  test('expiry ends the task REJECTED and releases the hold', async () => {
    const total = await balanceTotal(mesh.gw.url, TENANT);
    const free = await available(mesh.gw.url, TENANT);
    const task = await park(3000);
    // The gate's clock, moved past the rule's 2 minutes.
    assert.ok((await mesh.gw.gateway.approvals.expireDue(Date.now() + 121_000)) >= 1);
    const read = await client.getTask({ id: task.id } as never);
    assert.equal(read.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.equal(await balanceTotal(mesh.gw.url, TENANT), total);
    assert.equal(await available(mesh.gw.url, TENANT), free);
    const late = await api(`/v1/approvals/${task.id}/approve`, approverToken, { method: 'POST', body: {} });
    assert.equal(late.status, 409);
  });

  test('another tenant\'s approver finds nothing; a principal without the approver scope may not decide', async () => {
    const task = await park(4000);
    assert.equal((await api(`/v1/approvals/${task.id}`, outsiderToken)).status, 404);
    assert.equal((await api(`/v1/approvals/${task.id}/approve`, outsiderToken, { method: 'POST', body: {} })).status, 404);
    const listed = (await (await api('/v1/approvals', outsiderToken)).json()) as { approvals: unknown[] };
    assert.deepEqual(listed.approvals, []);
    assert.equal((await api(`/v1/approvals/${task.id}/approve`, plainToken, { method: 'POST', body: {} })).status, 403);
    assert.equal((await api('/v1/approvals/approval-nope', approverToken)).status, 404);
    assert.equal((await api(`/v1/approvals/${task.id}`, 'garbage')).status, 401);
    await api(`/v1/approvals/${task.id}/deny`, approverToken, { method: 'POST', body: { reason: 'cleanup' } });
  });

  test('a v0.3 JSON-RPC caller gets its task in v0.3 words', async () => {
    const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'legacy-buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    const res = await fetch(`${mesh.gw.url}/agents/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'message/send', params: { message: { kind: 'message', messageId: `legacy-${Date.now()}`, role: 'user', parts: [{ kind: 'data', data: { amount: 7000 } }], metadata: { skillId: 'pay' } } } }),
    });
    const body = (await res.json()) as { id: number; result: { kind: string; id: string; status: { state: string } } };
    assert.equal(body.id, 7);
    assert.equal(body.result.kind, 'task');
    assert.equal(body.result.status.state, 'auth-required');
    await api(`/v1/approvals/${body.result.id}/deny`, approverToken, { method: 'POST', body: { reason: 'cleanup' } });
  });

  test('a retried send finds its parked call instead of parking another', async () => {
    const request = payRequest(6000);
    const first = asTask(await client.sendMessage(request));
    const second = asTask(await client.sendMessage(request));
    assert.equal(second.id, first.id);
    await api(`/v1/approvals/${first.id}/deny`, approverToken, { method: 'POST', body: { reason: 'cleanup' } });
  });

  test('another message under a reused messageId is parked as a call of its own, holding its own estimate', async () => {
    const messageId = `pay-reused-${Date.now()}`;
    const request = (amount: number) => SendMessageRequest.fromJSON({ message: { messageId, role: 'ROLE_USER', parts: [{ data: { amount } }], metadata: { skillId: 'pay' } } });
    const before = await available(mesh.gw.url, TENANT);
    const a = asTask(await client.sendMessage(request(6000)));
    const b = asTask(await client.sendMessage(request(7000)));
    assert.equal(b.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    assert.notEqual(b.id, a.id, 'the other message does not ride on the earlier parked call');
    assert.equal(asTask(await client.sendMessage(request(7000))).id, b.id, 'its own retry finds it');
    const shown = (await (await api(`/v1/approvals/${b.id}`, approverToken)).json()) as { message: { messageId: string; parts: Array<{ data?: unknown }> } };
    assert.deepEqual(shown.message.parts[0]!.data, { amount: 7000 }, 'the approver reads the second message');
    assert.equal(await available(mesh.gw.url, TENANT), before - 2 * 5000, 'each parked call holds its estimate');
    for (const id of [a.id, b.id]) await api(`/v1/approvals/${id}/deny`, approverToken, { method: 'POST', body: { reason: 'cleanup' } });
  });

  test('rules are written, listed and deleted by an admin; rules from the configuration cannot be changed', async () => {
    const put = await api('/v1/approval-rules/hr-decisions', ADMIN_TOKEN, { method: 'PUT', body: { agent: 'hr', condition: 'contains(input, "dismiss")', reason: 'HR decisions need HR' } });
    assert.equal(put.status, 200);
    const rules = (await (await api('/v1/approval-rules', ADMIN_TOKEN)).json()) as { rules: Array<{ id: string; source: string }> };
    assert.deepEqual(rules.rules.map((r) => [r.id, r.source]), [['big-payments', 'config'], ['hr-decisions', 'api']]);
    assert.equal((await api('/v1/approval-rules/bad', ADMIN_TOKEN, { method: 'PUT', body: { condition: 'process.exit()' } })).status, 400);
    assert.equal((await api('/v1/approval-rules/big-payments', ADMIN_TOKEN, { method: 'DELETE' })).status, 400);
    assert.equal((await api('/v1/approval-rules/hr-decisions', approverToken, { method: 'DELETE' })).status, 403);
    assert.equal((await api('/v1/approval-rules/hr-decisions', ADMIN_TOKEN, { method: 'DELETE' })).status, 204);
    assert.equal((await api('/v1/approval-rules/hr-decisions', ADMIN_TOKEN, { method: 'DELETE' })).status, 404);
  });
});
