import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { agentCardFields } from '../../helpers/proto-agent-card.js';

/*
 * Which card shape a discovery request gets (ADR 0033): the v1.0 card unless
 * the request asks for v0.3 (`A2A-Version: 0.3`, as a header or a query
 * parameter) or reads the v0.2-era `agent.json`. The v1.0 card holds only the
 * fields the v1.0 AgentCard message declares (A2A §4.4.1, a2a.proto), so a
 * validator of the v1.0 card (additional properties refused) accepts it.
 */

/** Fields only the v0.3 card has. */
const V03_ONLY = ['url', 'preferredTransport', 'protocolVersion', 'additionalInterfaces', 'supportsAuthenticatedExtendedCard'];

describe('the card version a discovery request gets', () => {
  let env: Awaited<ReturnType<typeof startRuntime>>;
  const { fields, required } = agentCardFields();
  before(async () => {
    env = await startRuntime();
  });
  after(async () => {
    await env.close();
  });

  for (const mount of ['', '/agents/tester']) {
    test(`without A2A-Version, ${mount || 'the root'}/.well-known/agent-card.json is the v1.0 card and nothing else`, async () => {
      const response = await fetch(`${env.url}${mount}/.well-known/agent-card.json`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('vary'), 'A2A-Version');
      const card = (await response.json()) as Record<string, unknown>;
      const foreign = Object.keys(card).filter((k) => !fields.has(k));
      assert.deepEqual(foreign, [], 'only fields of the v1.0 AgentCard');
      for (const name of required) assert.ok(Object.hasOwn(card, name), `${name} is present`);
      for (const name of V03_ONLY) assert.equal(Object.hasOwn(card, name), false, `${name} is a v0.3 field`);
      const interfaces = card['supportedInterfaces'] as Array<{ protocolVersion: string; protocolBinding: string }>;
      // v0.3 peers still find their interfaces on it (A2A §8.3.1), and the first is the preferred v1.0 one.
      assert.equal(interfaces[0]?.protocolVersion, '1.0');
      assert.ok(interfaces.some((i) => i.protocolVersion === '0.3' && i.protocolBinding === 'JSONRPC'));
      // The same body as a client that names 1.0 gets, with the same ETag.
      const named = await fetch(`${env.url}${mount}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
      assert.equal(named.headers.get('etag'), response.headers.get('etag'));
      assert.deepEqual(await named.json(), card);
    });
  }

  test('A2A-Version: 0.3 (header or query parameter) gets the v0.3 shape, as does agent.json without it', async () => {
    const asks: Array<[string, Record<string, string>]> = [
      [`${env.url}/.well-known/agent-card.json`, { 'A2A-Version': '0.3' }],
      [`${env.url}/.well-known/agent-card.json?A2A-Version=0.3`, {}],
      [`${env.url}/.well-known/agent.json`, {}],
      [`${env.url}/agents/tester/.well-known/agent-card.json?A2A-Version=0.3`, {}],
    ];
    for (const [url, headers] of asks) {
      const response = await fetch(url, { headers });
      assert.equal(response.status, 200, url);
      const card = (await response.json()) as Record<string, unknown>;
      assert.equal(card['protocolVersion'], '0.3', url);
      assert.equal(card['preferredTransport'], 'JSONRPC', url);
      // What a v0.3 client reads first: the URL of the preferred (JSON-RPC) interface.
      assert.ok(String(card['url']).startsWith(env.url), url);
    }
  });

  test("the v0.3 SDK client's calls work from the card URL that asks for v0.3", async () => {
    // What @a2a-js/sdk 0.3's A2AClient.fromCardUrl sends: the card URL it is given, `Accept: application/json`, no A2A-Version;
    // then JSON-RPC `message/send` to the card's `url`, still without A2A-Version.
    const cardResponse = await fetch(`${env.url}/agents/tester/.well-known/agent-card.json?A2A-Version=0.3`, { headers: { accept: 'application/json' } });
    const raw = (await cardResponse.json()) as { url: string };
    assert.equal(typeof raw.url, 'string', 'the v0.3 client needs url');
    assert.ok(parseLegacyAgentCard(raw).supportedInterfaces.length > 0, 'and the SDK translates it');
    const response = await fetch(raw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'from v0.3' }] } } }),
    });
    const body = (await response.json()) as { result?: { kind: string; status: { state: string }; artifacts: Array<{ parts: Array<{ text?: string }> }> } };
    assert.equal(body.result?.kind, 'task', JSON.stringify(body));
    assert.equal(body.result.status.state, 'completed');
    assert.equal(body.result.artifacts[0]?.parts[0]?.text, 'from v0.3');
  });

  test('an unsupported A2A-Version is still refused for the card', async () => {
    const response = await fetch(`${env.url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '2.0' } });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { details: Array<{ reason?: string }> } };
    assert.ok(body.error.details.some((d) => d.reason === 'VERSION_NOT_SUPPORTED'), JSON.stringify(body));
  });
});
