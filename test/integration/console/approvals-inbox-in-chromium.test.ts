// test-tier: tools (needs chromium)
/**
 * The console's approvals inbox (docs/approvals.md, "The console") in
 * Debian's Chromium against a real gateway, registry and runtime: an
 * approver of the caller's tenant signs in, sees the two parked calls with
 * their reason and the credits held, approves one and denies the other with
 * a reason; the caller's tasks end COMPLETED (the agent ran it once) and
 * REJECTED (with the approver's reason), and the inbox is empty.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import type { Page } from 'playwright-core';
import { connectAgent } from '../../../src/cli/index.js';
import { createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { asTask } from '../../helpers/sdk-client.js';
import { consoleInChromiumForSuite, seriousViolations, signInAsClient } from './browser.js';
import { paymentsAgent } from '../../helpers/payments-agent.js';

const TENANT = 'acme';
const REASON = 'Payments above 1000 need a finance approval';

const { agent: payments, amounts: paid } = paymentsAgent({ skill: 'pay', creditsPerCall: 5 });

describe('the approvals inbox in Chromium', () => {
  const ui = consoleInChromiumForSuite('agentmesh-approvals-inbox-');
  let mesh: GatewayMesh;
  let page: Page;
  let caller: Client;
  let approver: { clientId: string; clientSecret: string };

  before(async () => {
    const consoleDir = ui.consoleDir();
    mesh = await startGatewayMesh({
      agents: [payments],
      gateway: { consoleDir, creditsMode: 'exact', approvals: { rules: [{ id: 'big-payments', agent: 'payments', condition: 'input.amount > 1000', reason: REASON }], sweepIntervalMs: 600_000 } },
    });
    const url = mesh.gw.url;
    const buyer = await createClient(url, { name: 'buyer', tenant: TENANT, scopes: ['a2a:message:send', 'a2a:tasks:read'] });
    approver = await createClient(url, { name: 'finance-desk', tenant: TENANT, scopes: ['console:read', 'gateway:approve'] });
    await topUp(url, TENANT, 100);
    caller = (await connectAgent({ url: `${url}/agents/payments`, protocol: '1.0', binding: 'jsonrpc', token: await fetchToken(url, buyer) })).client;
    page = ui.page();
  });
  after(async () => {
    await mesh?.close();
  });

  async function park(amount: number): Promise<Task> {
    const task = asTask(await caller.sendMessage(SendMessageRequest.fromJSON({ message: { messageId: `inbox-${amount}-${Date.now()}`, role: 'ROLE_USER', parts: [{ data: { amount } }], metadata: { skillId: 'pay' } } })));
    assert.equal(task.status?.state, TaskState.TASK_STATE_AUTH_REQUIRED);
    return task;
  }
  const row = (id: string) => page.getByTestId('approval').filter({ has: page.getByLabel(`Reason for ${id}`) });

  test('an approver sees the parked calls with reason and price, approves one and denies the other; the tasks end COMPLETED and REJECTED', async () => {
    const toApprove = await park(2500);
    const toDeny = await park(9000);

    await signInAsClient(page, `${mesh.gw.url}/console/`, approver);
    await page.goto(`${mesh.gw.url}/console/#/approvals`);
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();

    await page.getByText('2 calls waiting').waitFor();
    for (const task of [toApprove, toDeny]) {
      const text = await row(task.id).innerText();
      assert.match(text, new RegExp(REASON), 'the reason');
      assert.match(text, /5\.000/, 'the credits held');
      assert.match(text, /payments/);
    }
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

    // Deny needs a reason: the button waits for one.
    assert.equal(await row(toDeny.id).getByRole('button', { name: 'Deny' }).isDisabled(), true);
    await row(toApprove.id).getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: `${toApprove.id}: approved` }).waitFor();
    await row(toDeny.id).getByLabel(`Reason for ${toDeny.id}`).fill('unknown supplier');
    await row(toDeny.id).getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('status').filter({ hasText: `${toDeny.id}: denied` }).waitFor();
    await page.getByTestId('approvals-empty').waitFor();

    const approved = await caller.getTask({ id: toApprove.id } as never);
    assert.equal(approved.status?.state, TaskState.TASK_STATE_COMPLETED);
    const denied = await caller.getTask({ id: toDeny.id } as never);
    assert.equal(denied.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(JSON.stringify(denied.status?.message?.parts), /unknown supplier/);
    assert.deepEqual(paid, [2500], 'the approved call ran once, the denied one never');
    assert.deepEqual(ui.problems, []);
  });
});
