/**
 * Policies as code through a real gateway, registry and runtime
 * (docs/policies.md, ADR 0073): a forbid overrides the scope that allowed
 * the call; a policy change is versioned and rolled back; a malformed policy
 * is refused with its line and column; a permit_when_approved policy parks
 * the call with the approval gate; every decision is audited with the
 * deciding policy versions, and `explain` reads them back; a tenant's
 * administrator sees and writes its own tenant's policies only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { paymentsAgent } from '../../helpers/payments-agent.js';

const TENANT = 'policies';
const { agent: payments, amounts: refunded } = paymentsAgent({ skill: 'refund', creditsPerCall: 1, department: 'finance' });

let sequence = 0;
interface Answer {
  status: number;
  state?: string;
  code?: string;
  message?: string;
}

describe('policies decide calls at the gateway', () => {
  let mesh: GatewayMesh;
  let caller: string;
  let tenantAdmin: string;
  let otherTenantAdmin: string;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [payments], gateway: { approvals: { rules: [], sweepIntervalMs: 600_000 } } });
    const url = mesh.gw.url;
    caller = await fetchToken(url, await createClient(url, { name: 'clerk', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    tenantAdmin = await fetchToken(url, await createClient(url, { name: 'policy-admin', tenant: TENANT, scopes: ['gateway:policies'] }));
    otherTenantAdmin = await fetchToken(url, await createClient(url, { name: 'other-admin', tenant: 'elsewhere', scopes: ['gateway:policies'] }));
    await topUp(url, TENANT, 1000);
  });
  after(async () => {
    await mesh?.close();
  });

  const api = (path: string, token: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${mesh.gw.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) }, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });

  async function refund(amount: number, token = caller): Promise<Answer> {
    const res = await callAgent(mesh.gw.url, 'payments', token, 'SendMessage', { message: { messageId: `refund-${sequence++}`, role: 'ROLE_USER', parts: [{ data: { amount } }], metadata: { skillId: 'refund' } } });
    const body = (await res.json()) as { result?: { task?: { status: { state: string } } }; error?: { message: string; data?: Array<{ metadata?: { code?: string } }> } };
    if (body.error !== undefined) return { status: res.status, code: body.error.data?.find((d) => d.metadata?.code !== undefined)?.metadata?.code, message: body.error.message };
    return { status: res.status, state: body.result?.task?.status.state };
  }

  async function lastAuditRow(): Promise<{ seq: number; eventType: string; detail?: Record<string, unknown> }> {
    await mesh.gw.gateway.audit.flush();
    const rows = await mesh.gw.gateway.audit.tail({ limit: 20 });
    const row = rows.reverse().find((r) => r.targetAgent === 'payments');
    assert.ok(row !== undefined, 'the call is audited');
    return row;
  }

  test('a forbid overrides the scope that allowed the call, and the audit names the policy version', async () => {
    assert.equal((await refund(5000)).state, 'TASK_STATE_COMPLETED', 'the scope alone lets it through');
    const put = await api('/v1/policies/no-big-refunds', ADMIN_TOKEN, { method: 'PUT', body: { effect: 'forbid', target: { agent: 'payments', skill: 'refund' }, condition: 'context.input.amount > 1000', reason: 'refunds above 1000 go through the back office' } });
    assert.equal(put.status, 201, await put.text());
    const before = refunded.length;
    const refused = await refund(5000);
    assert.equal(refused.code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN');
    assert.match(refused.message ?? '', /refunds above 1000 go through the back office/);
    assert.equal(refunded.length, before, 'the agent never saw it');
    const row = await lastAuditRow();
    assert.equal(row.eventType, 'policy.forbidden');
    assert.deepEqual(row.detail?.['policy'], { outcome: 'forbid', policies: ['no-big-refunds@1'] });

    const explained = (await (await api(`/v1/policies/explain/${row.seq}`, ADMIN_TOKEN)).json()) as { decision: { outcome: string; policies: string[] }; policies: Array<{ id: string; version: number; condition: string }> };
    assert.deepEqual(explained.decision.policies, ['no-big-refunds@1']);
    assert.equal(explained.policies[0]?.condition, 'context.input.amount > 1000');

    assert.equal((await refund(10)).state, 'TASK_STATE_COMPLETED', 'a small refund still runs');
  });

  test('a policy change is versioned and rolled back', async () => {
    const tighter = await api('/v1/policies/no-big-refunds', ADMIN_TOKEN, { method: 'PUT', body: { effect: 'forbid', target: { agent: 'payments', skill: 'refund' }, condition: 'context.input.amount > 100', reason: 'refunds above 100 go through the back office' } });
    assert.equal(tighter.status, 200);
    assert.equal(((await tighter.json()) as { version: number }).version, 2);
    assert.equal((await refund(500)).code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN', 'version 2 is in force');

    const rolled = await api('/v1/policies/no-big-refunds/rollback', ADMIN_TOKEN, { method: 'POST', body: { version: 1 } });
    const back = (await rolled.json()) as { version: number; condition: string; comment: string };
    assert.equal(rolled.status, 200, JSON.stringify(back));
    assert.deepEqual([back.version, back.condition, back.comment], [3, 'context.input.amount > 1000', 'rollback to version 1']);
    assert.equal((await refund(500)).state, 'TASK_STATE_COMPLETED', "version 1's condition is in force again");
    assert.deepEqual((await lastAuditRow()).detail?.['policy'], undefined, 'a call no policy held for carries no decision');
    assert.equal((await refund(5000)).code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN');
    assert.deepEqual((await lastAuditRow()).detail?.['policy'], { outcome: 'forbid', policies: ['no-big-refunds@3'] });

    const versions = (await (await api('/v1/policies/no-big-refunds/versions', ADMIN_TOKEN)).json()) as { versions: Array<{ version: number }> };
    assert.deepEqual(versions.versions.map((v) => v.version), [3, 2, 1]);

    const deleted = await api('/v1/policies/no-big-refunds', ADMIN_TOKEN, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await refund(5000)).state, 'TASK_STATE_COMPLETED', 'deleted: out of force');
  });

  test('a malformed policy is refused on write with the line and column of the error', async () => {
    const res = await api('/v1/policies/typo', ADMIN_TOKEN, { method: 'PUT', body: { effect: 'forbid', condition: 'resource.agent == "payments" &&\n  principal.tennant == "x"' } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; details: Array<{ reason?: string; metadata?: Record<string, string> }> } };
    assert.equal(body.error.details[0]?.reason, 'AM_ERR_GATEWAY_POLICY_INVALID');
    assert.match(body.error.message, /line 2, column 12: principal has no attribute tennant/);
    assert.deepEqual([body.error.details[0]?.metadata?.['line'], body.error.details[0]?.metadata?.['column']], ['2', '12']);
    assert.equal((await api('/v1/policies/typo', ADMIN_TOKEN)).status, 404, 'nothing was stored');
  });

  test('permit_when_approved parks the call with the approval gate, under the policy', async () => {
    const put = await api('/v1/policies/refunds-need-approval', ADMIN_TOKEN, { method: 'PUT', body: { effect: 'permit_when_approved', tenant: TENANT, target: { agent: 'payments' }, condition: 'context.input.amount >= 700', reason: 'refunds of 700 or more need finance', approverScope: 'finance:approve' } });
    assert.equal(put.status, 201, await put.text());
    const before = refunded.length;
    assert.equal((await refund(800)).state, 'TASK_STATE_AUTH_REQUIRED');
    assert.equal(refunded.length, before);
    const row = await lastAuditRow();
    assert.equal(row.eventType, 'approval.requested');
    assert.equal(row.detail?.['approvalRule'], `${TENANT}/refunds-need-approval@1`);
    assert.equal((await refund(20)).state, 'TASK_STATE_COMPLETED');
    await api(`/v1/policies/refunds-need-approval?tenant=${TENANT}`, ADMIN_TOKEN, { method: 'DELETE' });
  });

  test('a tenant administrator reads and writes its own tenant only', async () => {
    const own = await api('/v1/policies/clerks-small-refunds', tenantAdmin, { method: 'PUT', body: { effect: 'forbid', target: { agent: 'payments' }, condition: 'context.input.amount > 2000 && principal.client != ""' } });
    assert.equal(own.status, 201);
    assert.equal(((await own.json()) as { tenant: string }).tenant, TENANT, 'written under its tenant, whatever it names');
    assert.equal((await api('/v1/policies/x', tenantAdmin, { method: 'PUT', body: { effect: 'forbid', tenant: 'elsewhere' } })).status, 403);
    assert.equal((await api('/v1/policies/x', caller, { method: 'PUT', body: { effect: 'forbid' } })).status, 403, 'no gateway:policies scope');
    const seen = (await (await api('/v1/policies', otherTenantAdmin)).json()) as { policies: unknown[] };
    assert.deepEqual(seen.policies, [], "another tenant's administrator sees none of them");
    assert.equal((await api(`/v1/policies/clerks-small-refunds?tenant=${TENANT}`, otherTenantAdmin)).status, 403);
    assert.equal((await api('/v1/policies/clerks-small-refunds', otherTenantAdmin)).status, 404);
    const listed = (await (await api('/v1/policies', tenantAdmin)).json()) as { policies: Array<{ id: string }> };
    assert.deepEqual(listed.policies.map((p) => p.id), ['clerks-small-refunds']);
    assert.equal((await refund(3000)).code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN');
    await api('/v1/policies/clerks-small-refunds', tenantAdmin, { method: 'DELETE' });
  });

  test('test decides a sample call without sending it, with drafts and counters', async () => {
    const before = refunded.length;
    const res = await api('/v1/policies/test', tenantAdmin, {
      method: 'POST',
      body: {
        request: { action: { skill: 'refund' }, resource: { agent: 'payments' }, counters: { calls: { principal: { day: 3 } } } },
        policies: [{ id: 'three-a-day', effect: 'forbid', target: { skill: 'refund' }, condition: 'context.calls.principal.day >= 3' }],
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { outcome: 'forbid', policies: [`${TENANT}/three-a-day@0`], applicable: [`${TENANT}/three-a-day@0`] });
    assert.equal(refunded.length, before);
  });

  test('a session-aware rule refuses the fourth refund of the day, and counts the denial', async () => {
    const put = await api('/v1/policies/three-refunds-a-day', ADMIN_TOKEN, { method: 'PUT', body: { effect: 'forbid', tenant: TENANT, target: { agent: 'payments', skill: 'refund' }, condition: 'context.calls.principal.day >= 3', reason: 'at most three refunds a day' } });
    assert.equal(put.status, 201);
    // A caller of its own, so the other tests' refunds do not count.
    const fresh = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'counted-clerk', tenant: TENANT, scopes: ['a2a:message:send'] }));
    for (let i = 0; i < 3; i++) assert.equal((await refund(1, fresh)).state, 'TASK_STATE_COMPLETED', `refund ${i + 1}`);
    assert.equal((await refund(1, fresh)).code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN', 'the fourth');
    assert.equal((await refund(1, fresh)).code, 'AM_ERR_GATEWAY_POLICY_FORBIDDEN', 'a denial does not free a call');
    await api(`/v1/policies/three-refunds-a-day?tenant=${TENANT}`, ADMIN_TOKEN, { method: 'DELETE' });
  });
});
