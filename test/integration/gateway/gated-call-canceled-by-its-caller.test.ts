/**
 * A caller cancels its own parked call (docs/approvals.md, "What the caller
 * sees"; ADR 0037) through the official `@a2a-js/sdk` client, over JSON-RPC
 * and over HTTP+JSON: CancelTask on the `approval-…` id ends the task
 * CANCELED, refunds the hold, writes one `approval.canceled` audit row, and
 * takes the call out of the approvers' inbox; approving it afterwards is
 * refused as decided, and the agent never runs it. Canceling again, or
 * canceling a denied call, is refused as not cancelable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { connectAgent } from '../../../src/cli/index.js';
import { available, balanceTotal, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';
import { asTask } from '../../helpers/sdk-client.js';

const TENANT = 'cancelers';
let paid = 0;

const payments = oneSkillAgent({ name: 'payments', description: 'Pays suppliers', creditsPerCall: 4 }, 'pay', {
  description: 'Pays an amount',
  handler: async (text: string) => {
    paid++;
    return `paid ${text}`;
  },
});

let sequence = 0;
const payRequest = (text: string) => SendMessageRequest.fromJSON({ message: { messageId: `cancel-${Date.now()}-${sequence++}`, role: 'ROLE_USER', parts: [{ text }] } });

describe('a parked call canceled by its caller', () => {
  let mesh: GatewayMesh;
  let approverToken: string;
  const clients: Record<'jsonrpc' | 'rest', Client> = {} as never;

  before(async () => {
    mesh = await startGatewayMesh({
      agents: [payments],
      gateway: { creditsMode: 'exact', approvals: { rules: [{ id: 'every-payment', agent: 'payments', reason: 'every payment needs finance' }], sweepIntervalMs: 600_000 } },
    });
    const url = mesh.gw.url;
    const caller = await fetchToken(url, await createClient(url, { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel', 'a2a:card:read'] }));
    approverToken = await fetchToken(url, await createClient(url, { name: 'finance', tenant: TENANT, scopes: ['gateway:approve'] }));
    await topUp(url, TENANT, 100);
    for (const binding of ['jsonrpc', 'rest'] as const) clients[binding] = (await connectAgent({ url: `${url}/agents/payments`, protocol: '1.0', binding, token: caller })).client;
  });
  after(async () => {
    await mesh?.close();
  });

  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${mesh.gw.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${approverToken}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) }, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });
  const inbox = async () => ((await (await api('/v1/approvals?state=pending')).json()) as { approvals: Array<{ id: string }> }).approvals.map((a) => a.id);

  for (const binding of ['jsonrpc', 'rest'] as const) {
    test(`over ${binding}: ends CANCELED, refunds the hold, is audited once, leaves the inbox, and cannot be approved afterwards`, async () => {
      const client = clients[binding];
      const total = await balanceTotal(mesh.gw.url, TENANT);
      const free = await available(mesh.gw.url, TENANT);
      const before = paid;
      const parked = asTask(await client.sendMessage(payRequest(`invoice-${binding}`)));
      assert.equal(parked.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
      assert.equal(await available(mesh.gw.url, TENANT), free - 4000, 'the estimate is held while it waits');
      assert.ok((await inbox()).includes(parked.id), 'the approver sees it');

      const canceled: Task = await client.cancelTask({ id: parked.id } as never);
      assert.equal(canceled.id, parked.id);
      assert.equal(canceled.status?.state, TaskState.TASK_STATE_CANCELED);
      assert.equal((canceled.metadata?.['agentmesh.approval'] as Record<string, unknown>)['state'], 'canceled');
      const read = await client.getTask({ id: parked.id } as never);
      assert.equal(read.status?.state, TaskState.TASK_STATE_CANCELED, 'GetTask says the same');

      assert.equal(await available(mesh.gw.url, TENANT), free, 'the hold is released');
      assert.equal(await balanceTotal(mesh.gw.url, TENANT), total, 'nothing charged');
      assert.ok(!(await inbox()).includes(parked.id), 'gone from the approvers\' inbox');

      const late = await api(`/v1/approvals/${parked.id}/approve`, { method: 'POST', body: { reason: 'too late' } });
      assert.equal(late.status, 409);
      const error = ((await late.json()) as { error: { message: string; details: Array<{ reason?: string }> } }).error;
      assert.equal(error.details[0]!.reason, 'AM_ERR_GATEWAY_APPROVAL_DECIDED');
      assert.match(error.message, /is canceled already/);
      assert.equal(paid, before, 'the agent never ran it');

      await mesh.gw.gateway.audit.flush();
      const rows = (await mesh.gw.gateway.audit.tail({ limit: 500 })).filter((r) => r.eventType === 'approval.canceled' && (r.detail as Record<string, unknown>)['approval'] === parked.id);
      // The gate's decision row, and the CancelTask call's own entry.
      assert.equal(rows.filter((r) => (r.detail as Record<string, unknown>)['rule'] === 'every-payment').length, 1, JSON.stringify(rows));
      assert.equal(rows.find((r) => (r.detail as Record<string, unknown>)['rule'] === 'every-payment')!.tenant, TENANT);

      await assert.rejects(client.cancelTask({ id: parked.id } as never), /can no longer be canceled/, 'canceled once');
    });
  }

  test('a call already denied can no longer be canceled', async () => {
    const client = clients.jsonrpc;
    const parked = asTask(await client.sendMessage(payRequest('denied-first')));
    assert.equal((await api(`/v1/approvals/${parked.id}/deny`, { method: 'POST', body: { reason: 'unknown supplier' } })).status, 200);
    await assert.rejects(client.cancelTask({ id: parked.id } as never), /can no longer be canceled/);
    assert.equal((await client.getTask({ id: parked.id } as never)).status?.state, TaskState.TASK_STATE_REJECTED);
  });
});
