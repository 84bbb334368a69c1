// test-tier: tools (needs chromium)
/**
 * The console's policies (docs/policies.md, "Audit") in Debian's Chromium
 * against a real gateway, registry and runtime: a tenant's administrator
 * signs in, sees the policy in force on the Policies page, and on the Audit
 * page the decision on the call it refused, with the deciding version.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, callAgent, createClient, fetchToken, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { consoleInChromiumForSuite, seriousViolations, signInAsClient } from './browser.js';
import { paymentsAgent } from '../../helpers/payments-agent.js';

const TENANT = 'acme';

const { agent: payments } = paymentsAgent({ skill: 'refund', creditsPerCall: 1 });

describe('policies in the console, in Chromium', () => {
  const ui = consoleInChromiumForSuite('agentmesh-policies-console-');
  let mesh: GatewayMesh;
  let page: Page;
  let admin: { clientId: string; clientSecret: string };

  before(async () => {
    const consoleDir = ui.consoleDir();
    mesh = await startGatewayMesh({ agents: [payments], gateway: { consoleDir } });
    const url = mesh.gw.url;
    admin = await createClient(url, { name: 'acme-admin', tenant: TENANT, scopes: ['console:read', 'gateway:policies'] });
    await topUp(url, TENANT, 100);
    const put = await fetch(`${url}/v1/policies/no-big-refunds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: TENANT, effect: 'forbid', target: { agent: 'payments' }, condition: 'context.input.amount > 1000', reason: 'refunds above 1000 go through the back office' }),
    });
    assert.equal(put.status, 201);
    const clerk = await fetchToken(url, await createClient(url, { name: 'clerk', tenant: TENANT, scopes: ['a2a:message:send'] }));
    const refused = await callAgent(url, 'payments', clerk, 'SendMessage', { message: { messageId: 'big-refund', role: 'ROLE_USER', parts: [{ data: { amount: 5000 } }] } });
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
    await mesh.gw.gateway.audit.flush();
    page = ui.page();
  });
  after(async () => {
    await mesh?.close();
  });

  test('a tenant administrator sees its policy in force and the decision on the call it refused', async () => {
    await signInAsClient(page, `${mesh.gw.url}/console/`, admin);

    await page.goto(`${mesh.gw.url}/console/#/policies`);
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    const row = await page.getByTestId('policy').first().innerText();
    assert.match(row, /no-big-refunds/);
    assert.match(row, /forbid/);
    assert.match(row, /context\.input\.amount > 1000/);
    const violations = await seriousViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

    await page.goto(`${mesh.gw.url}/console/#/audit`);
    const decision = page.getByTestId('audit-policy').first();
    await decision.waitFor();
    assert.match(await decision.innerText(), /policy: forbid by acme\/no-big-refunds@1/);
    assert.deepEqual(ui.problems, []);
  });
});
