import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh } from '../../helpers/gateway-mesh.js';

/** A card number that passes Luhn, and an address: the personal data of these tests. */
const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';

describe('policies at the gateway (validation at the door, PII)', () => {
  let mesh: Awaited<ReturnType<typeof startGatewayMesh>>;
  let gw: typeof mesh.gw;
  let redacting: string;
  let blocking: string;

  before(async () => {
    // An agent whose registry record declares its own policy: no e-mail address may reach it.
    const guarded = defineAgent({
      card: { name: 'guarded', description: 'Echoes text; takes no e-mail addresses' },
      defaultSkill: 'echo',
      skills: { echo: { description: 'Echoes text', handler: async (text: string, ctx) => void ctx.artifact({ name: 'echo', parts: [{ text }] }) } },
      registry: { pii: { action: 'block', kinds: ['email'] } },
    });
    mesh = await startGatewayMesh({ agents: [testAgent, guarded], gateway: { pii: { default: { action: 'log' }, tenants: { acme: { action: 'redact' }, globex: { action: 'block', kinds: ['card'] } } } } });
    ({ gw } = mesh);
    const scopes = ['a2a:message:send', 'a2a:tasks:read'];
    redacting = await fetchToken(gw.url, await createClient(gw.url, { name: 'r', tenant: 'acme', scopes }));
    blocking = await fetchToken(gw.url, await createClient(gw.url, { name: 'b', tenant: 'globex', scopes }));
  });
  after(async () => {
    await mesh?.close();
  });

  const send = async (token: string, params: Record<string, unknown>, agent = 'tester') => {
    const res = await fetch(`${gw.url}/agents/${agent}`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 'p1', method: 'SendMessage', params }) });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('redact: the agent receives the message with the data replaced; the audit keeps counts, never values', async () => {
    const { status, body } = await send(redacting, { message: userMessage(`charge ${CARD} and mail ${EMAIL}`, { metadata: { skillId: 'echo' } }) });
    assert.equal(status, 200);
    const echoed = body.result.task.artifacts[0].parts[0].text as string;
    assert.equal(echoed, 'charge [redacted:card] and mail [redacted:email]');
    await gw.gateway.audit.flush();
    const rows = await gw.gateway.audit.tail({ limit: 20 });
    const row = rows.find((r: any) => r.detail?.pii !== undefined) as any;
    assert.deepEqual(row.detail.pii, { action: 'redact', counts: { card: 1, email: 1 } });
    const all = JSON.stringify(rows);
    assert.ok(!all.includes('4111') && !all.includes(EMAIL), 'no matched value in the audit trail');
  });

  test('block: refused with AM_ERR_GATEWAY_PII_BLOCKED as invalid params, before the agent or a credit', async () => {
    const { status, body } = await send(blocking, { message: userMessage(`card ${CARD}`, { metadata: { skillId: 'echo' } }) });
    assert.equal(status, 400, "the gateway's own refusal keeps its HTTP status, in a JSON-RPC envelope");
    assert.equal(body.id, 'p1');
    assert.equal(body.error.code, -32602);
    assert.equal(body.error.data[0].metadata.code, 'AM_ERR_GATEWAY_PII_BLOCKED');
    assert.ok(!JSON.stringify(body).includes('4111'));
    // Only the card kind is blocked for this tenant; an address alone passes (the default policy logs it).
    const ok = await send(blocking, { message: userMessage(`mail ${EMAIL}`, { metadata: { skillId: 'echo' } }) });
    assert.equal(ok.body.result.task.status.state, 'TASK_STATE_COMPLETED');
    const metrics = await (await fetch(gw.metricsUrl)).text();
    assert.match(metrics, /agentmesh_gateway_pii_matches_total\{kind="card",action="block"\} 1/);
  });

  test("the agent's own policy, from its registry record, applies on top of the tenant's", async () => {
    // acme's policy redacts; the agent blocks addresses: the stricter action wins for that kind.
    const blocked = await send(redacting, { message: userMessage(`mail ${EMAIL}`) }, 'guarded');
    assert.equal(blocked.status, 400);
    assert.equal(blocked.body.error.data[0].metadata.code, 'AM_ERR_GATEWAY_PII_BLOCKED');
    const redacted = await send(redacting, { message: userMessage(`charge ${CARD}`) }, 'guarded');
    assert.equal(redacted.body.result.task.artifacts[0].parts[0].text, 'charge [redacted:card]');
  });

  test('an invalid message is refused at the door, in the words the agent would use, without reaching it', async () => {
    const requests = () => gw.gateway.router.stats().reduce((n, s) => n + s.requests, 0);
    const before = requests();
    const through = await send(redacting, { message: { messageId: 'x', role: 'ROLE_USER' } });
    assert.equal(through.status, 200);
    assert.equal(through.body.error.code, -32602);
    assert.match(through.body.error.message, /parts/);
    assert.equal(requests(), before, 'the agent was not called');
  });
});
