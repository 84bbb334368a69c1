import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';
import { gatewayAssertionRequired, parseRuntimeConfig } from '../../../src/runtime/index.js';
import { rpc, startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { createClient, fetchToken, startGateway } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { closeInTurn } from '../../helpers/close-in-turn.js';

/*
 * Agents with a gateway configured (as `agentmesh up`
 * starts them) answered calls on their own port without the gateway's
 * assertion, skipping its credits and audit. With a gateway JWKS configured,
 * the assertion is now required unless explicitly opted out.
 */

const JSON_V1 = { 'content-type': 'application/json', 'A2A-Version': '1.0' };

describe('an agent behind a gateway requires its assertion by default', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let direct: string;
  let token: string;

  before(async () => {
    registry = await startRegistry({ probeIntervalMs: 200 });
    gw = await startGateway(registry.url);
    // As `agentmesh up` configures its agents: the gateway's JWKS, and no requireGatewayAssertion.
    host = await startRuntime([testAgent], { registryUrl: registry.url, gatewayJwksUrl: `${gw.url}/.well-known/jwks.json` });
    direct = host.agents.tester!;
    await until('the gateway to route to the tester', async () => gw.gateway.router.agent('tester')?.instances.some((i) => i.inRotation) ?? false);
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'caller', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
  });
  after(() => closeInTurn(host, gw, registry));

  test('a direct JSON-RPC call is refused with -32600 AM_ERR_GATEWAY_ASSERTION_INVALID (a JSON-RPC error, HTTP 200)', async () => {
    const res = await rpc(direct, 'SendMessage', { message: userMessage('hello') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.jsonrpc, '2.0');
    assert.equal(res.body.id, 1);
    assert.equal(res.body.result, undefined);
    assert.equal(res.body.error.code, -32600);
    assert.match(res.body.error.message, /through the agentmesh gateway only/);
    const info = res.body.error.data.find((d: any) => d['@type']?.endsWith('ErrorInfo'));
    assert.equal(info.reason, 'GATEWAY_ASSERTION_INVALID');
    assert.equal(info.metadata.code, 'AM_ERR_GATEWAY_ASSERTION_INVALID');
    assert.equal(info.metadata.reason, 'missing');
  });

  test('a direct REST call is refused with 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${direct}/message:send`, { method: 'POST', headers: JSON_V1, body: JSON.stringify({ message: userMessage('hello') }) });
    assert.equal(res.status, 401);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 401);
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    const info = body.error.details.find((d: any) => d['@type']?.endsWith('ErrorInfo'));
    assert.equal(info.reason, 'GATEWAY_ASSERTION_INVALID');
    assert.equal(info.metadata.code, 'AM_ERR_GATEWAY_ASSERTION_INVALID');
  });

  test('a direct v0.3 JSON-RPC call (no A2A-Version) is refused the same way', async () => {
    const res = await rpc(direct, 'message/send', { message: { kind: 'message', messageId: crypto.randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'hello' }] } }, {});
    assert.equal(res.body.result, undefined, JSON.stringify(res.body));
    assert.equal(res.body.error.code, -32600);
    assert.match(res.body.error.message, /through the agentmesh gateway only/);
  });

  test('a client access token sent directly is not an assertion: refused too', async () => {
    const res = await rpc(direct, 'SendMessage', { message: userMessage('hello') }, { 'A2A-Version': '1.0', authorization: `Bearer ${token}` });
    assert.equal(res.body.error.code, -32600);
    assert.match(res.body.error.message, /gateway assertion is not valid/);
  });

  test('the card stays public', async () => {
    const res = await fetch(`${direct}/.well-known/agent-card.json`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).name, 'tester');
  });

  test('through the gateway the same call works', async () => {
    const res = await fetch(`${gw.url}/agents/tester`, {
      method: 'POST',
      headers: { ...JSON_V1, authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: userMessage('hello', { metadata: { skillId: 'echo' } }) } }),
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(body));
  });
});

describe('an agent behind a gateway: the explicit development opt-out', () => {
  let host: Awaited<ReturnType<typeof startRuntime>>;
  before(async () => {
    host = await startRuntime([testAgent], { gatewayJwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', requireGatewayAssertion: false });
  });
  after(async () => {
    await host?.close();
  });

  test('requireGatewayAssertion: false answers a direct call without an assertion', async () => {
    const res = await rpc(host.agents.tester!, 'SendMessage', { message: userMessage('hello', { metadata: { skillId: 'echo' } }) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.task.status.state, 'TASK_STATE_COMPLETED');
  });

  test('the default follows the gateway; AGENTMESH_REQUIRE_GATEWAY=0 is the opt-out, anything but 0 or 1 is refused', () => {
    const jwks = 'http://gw:4200/.well-known/jwks.json';
    assert.equal(gatewayAssertionRequired(parseRuntimeConfig({})), false, 'no gateway, nothing to require');
    assert.equal(gatewayAssertionRequired(parseRuntimeConfig({ gatewayJwksUrl: jwks })), true);
    assert.equal(gatewayAssertionRequired(parseRuntimeConfig({ gatewayJwksUrl: jwks, ...runtimeConfigFromEnv({ AGENTMESH_REQUIRE_GATEWAY: '0' }, {}) })), false);
    assert.equal(gatewayAssertionRequired(parseRuntimeConfig({ gatewayJwksUrl: jwks, ...runtimeConfigFromEnv({ AGENTMESH_REQUIRE_GATEWAY: '1' }, {}) })), true);
    assert.throws(() => runtimeConfigFromEnv({ AGENTMESH_REQUIRE_GATEWAY: 'yes' }, {}), /AGENTMESH_REQUIRE_GATEWAY must be 1 or 0/);
    assert.throws(() => parseRuntimeConfig({ requireGatewayAssertion: true }), /runtime\.requireGatewayAssertion needs gatewayJwksUrl/);
  });
});
