import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { available, createClient, fetchToken, startGateway, topUp } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { freePort } from '../../helpers/free-port.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/** Asks a question first: its task stays open (input-required) after the first answer. */
const asker = oneSkillAgent({ name: 'asker', description: 'Asks, then answers', creditsPerCall: 5 }, 'ask', {
  description: 'Asks a question first',
  handler: async (_: string, ctx) => {
    await ctx.requestInput('Which region?');
    ctx.usage({ credits: 3 });
    return 'done';
  },
});

test('a reservation left open by a stopped gateway is settled by the next one', async () => {
  const registry = await startRegistry();
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gw-restart-'));
  const port = await freePort();
  let gw = await startGateway(registry.url, { dataDir, port });
  const host = await startRuntime([asker], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true });
  try {
    await until('the gateway to route to the asker', async () => gw.gateway.router.agent('asker')?.instances.some((i) => i.inRotation) ?? false);
    const token = await fetchToken(gw.url, await createClient(gw.url, { name: 'c', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
    await topUp(gw.url, 'acme', 100);
    const call = (params: Record<string, unknown>) =>
      fetch(`${gw.url}/agents/asker`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params }) });
    const first = (await (await call({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'go' }] } })).json()) as any;
    assert.equal(first.result.task.status.state, 'TASK_STATE_INPUT_REQUIRED');
    // The estimate is held while the task is open: a reservation of its own (pinned out of the replica's lease, ADR 0010).
    assert.deepEqual((await gw.gateway.ledger.holds('acme')).filter((h) => h.agent === 'asker').map((h) => h.milliCredits), [5_000]);

    await gw.close();
    gw = await startGateway(registry.url, { dataDir, port });
    await until('the new gateway to route to the asker', async () => gw.gateway.router.agent('asker')?.instances.some((i) => i.inRotation) ?? false);
    // The answer through the new gateway ends the task; the follow-up itself is not charged.
    const second = (await (await call({ message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', taskId: first.result.task.id, parts: [{ text: 'eu' }] } })).json()) as any;
    assert.equal(second.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(second));
    await until('the new gateway to settle at the reported usage', async () => {
      await gw.gateway.settleNow();
      return (await available(gw.url, 'acme')) === 97_000;
    }, 10_000);
    await gw.gateway.audit.flush();
    const settled = (await gw.gateway.audit.tail({ limit: 100 })).find((r) => r.eventType === 'credits.settled');
    assert.equal(settled?.milliCredits, 3000, 'the late settlement is audited with what was charged');
    assert.equal(settled?.taskId, first.result.task.id);
  } finally {
    await host.close();
    await gw.close();
    await registry.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
