/**
 * The gateway declares the approvals extension (ADR 0037,
 * `https://agentmesh.dev/extensions/approvals/v1`, not required, with a
 * description) on the card it serves for every agent a rule in force may
 * gate, in the v1.0 and the v0.3 card shapes alike, and on no other card;
 * a rule written through the API (one naming no agent gates every agent)
 * changes the served cards at once, and deleting it takes the declaration
 * away; a `permit_when_approved` policy holds calls for approval as a rule
 * does, so it declares the extension on the cards of the agents it may hold.
 * An agent cannot declare the extension itself. The card a tenant
 * admin reads in the console is the served one, declaration included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { ADMIN_TOKEN, createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';

const URI = 'https://agentmesh.dev/extensions/approvals/v1';

const payments = defineAgent({ card: { name: 'payments', description: 'Pays suppliers' }, skills: { pay: { description: 'Pays', handler: async () => 'paid' } } });
const weather = defineAgent({
  // Claims the extension itself: only the gateway's word counts.
  card: { name: 'weather', description: 'Forecasts', capabilities: { extensions: [{ uri: URI, description: 'forged', required: true }] } } as never,
  skills: { forecast: { description: 'Forecasts', handler: async () => 'sunny' } },
});

type Extension = { uri: string; description?: string; required?: boolean };

describe('the approvals extension on served cards', () => {
  let mesh: GatewayMesh;
  before(async () => {
    mesh = await startGatewayMesh({ agents: [payments, weather], gateway: { approvals: { rules: [{ id: 'big-payments', agent: 'payments', condition: 'price > 10' }], sweepIntervalMs: 600_000 } } });
  });
  after(async () => {
    await mesh?.close();
  });

  async function extensions(agent: string, version: '1.0' | '0.3'): Promise<Extension[]> {
    const res = await fetch(`${mesh.gw.url}/agents/${agent}/.well-known/agent-card.json`, { headers: { 'a2a-version': version } });
    assert.equal(res.status, 200);
    const card = (await res.json()) as { capabilities?: { extensions?: Extension[] }; protocolVersion?: string };
    if (version === '0.3') assert.ok(card.protocolVersion?.startsWith('0.3'), 'the v0.3 shape');
    return (card.capabilities?.extensions ?? []).filter((e) => e.uri === URI);
  }

  test('an agent a rule names declares it, not required and described, in both card shapes; another agent does not', async () => {
    const published = mesh.gw.gateway.router.agent('weather')!.record.card.capabilities?.extensions ?? [];
    assert.ok(published.some((e) => e.uri === URI), 'weather did publish its forged claim');
    for (const version of ['1.0', '0.3'] as const) {
      const declared = await extensions('payments', version);
      assert.equal(declared.length, 1, `v${version}`);
      assert.equal(declared[0]!.required ?? false, false);
      assert.match(declared[0]!.description ?? '', /approval/);
      assert.match(declared[0]!.description ?? '', /AUTH_REQUIRED/);
      assert.deepEqual(await extensions('weather', version), [], `v${version}: the agent's own claim is dropped`);
    }
  });

  test('the card a tenant admin reads in the console declares it too', async () => {
    const token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'tenant-admin', tenant: 'acme', scopes: ['console:read'] }));
    const read = async (agent: string) => {
      const res = await fetch(`${mesh.gw.url}/v1/console/agents/${agent}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { card: { capabilities?: { extensions?: Extension[] } } }).card.capabilities?.extensions?.filter((e) => e.uri === URI) ?? [];
    };
    assert.equal((await read('payments')).length, 1);
    assert.deepEqual(await read('weather'), []);
  });

  test('a rule for every agent, written through the API, declares it on every card at once; deleting it takes it away', async () => {
    const put = await fetch(`${mesh.gw.url}/v1/approval-rules/everything`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ condition: 'price > 1000' }) });
    assert.equal(put.status, 200, await put.text());
    for (const version of ['1.0', '0.3'] as const) assert.equal((await extensions('weather', version)).length, 1, `v${version}`);
    assert.equal((await fetch(`${mesh.gw.url}/v1/approval-rules/everything`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 204);
    for (const version of ['1.0', '0.3'] as const) assert.deepEqual(await extensions('weather', version), [], `v${version}`);
    assert.equal((await extensions('payments', '1.0')).length, 1);
  });

  test('a permit_when_approved policy declares it on the cards of the agents it may hold; deleting it takes it away', async () => {
    const policy = `${mesh.gw.url}/v1/policies/forecasts-need-approval`;
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const put = await fetch(policy, { method: 'PUT', headers, body: JSON.stringify({ effect: 'permit_when_approved', tenant: 'acme', target: { agent: 'weather' }, condition: 'context.input.days > 7', reason: 'long forecasts need a meteorologist', approverScope: 'weather:approve' }) });
    assert.equal(put.status, 201, await put.text());
    for (const version of ['1.0', '0.3'] as const) assert.equal((await extensions('weather', version)).length, 1, `v${version}`);
    const forbid = await fetch(`${mesh.gw.url}/v1/policies/no-forecasts`, { method: 'PUT', headers, body: JSON.stringify({ effect: 'forbid', target: { agent: 'weather' }, condition: 'context.input.days > 30' }) });
    assert.equal(forbid.status, 201, await forbid.text());
    assert.equal((await fetch(`${policy}?tenant=acme`, { method: 'DELETE', headers: { authorization: headers.authorization } })).status, 200);
    assert.deepEqual(await extensions('weather', '1.0'), [], 'a forbid policy holds nothing for approval');
  });
});
