import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineAgent } from '../../../src/runtime/index.js';
import { createClient, fetchToken } from '../../helpers/gateway-fixture.js';
import { until } from '../../helpers/until.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';

const echo = defineAgent({
  card: { name: 'echo', description: 'Echoes' },
  skills: { echo: { description: 'Echoes', handler: async (input: unknown) => input } },
});

const ORIGIN = 'https://console.example';

/**
 * ADR 0015: calls under /agents/ are served by the data plane (node:http),
 * except a browser's when CORS is configured, which take Fastify's route
 * and its CORS plugin. Both ways must answer the same, and both are audited.
 */
describe('gateway data plane beside the CORS route', () => {
  let mesh: GatewayMesh;
  let gw: GatewayMesh['gw'];
  let token: string;

  before(async () => {
    mesh = await startGatewayMesh({ agents: [echo], gateway: { corsOrigins: [ORIGIN] } });
    ({ gw } = mesh);
    token = await fetchToken(gw.url, await createClient(gw.url, { name: 'web', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'] }));
  });
  after(() => mesh?.close());

  const call = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });
  const send = (id: number) => ({ jsonrpc: '2.0', id, method: 'SendMessage', params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });

  test('a call with and without Origin completes the same; only the browser one carries CORS headers', async () => {
    const plain = await call(send(1));
    const browser = await call(send(2), { origin: ORIGIN });
    assert.equal(plain.status, 200);
    assert.equal(browser.status, 200);
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
    assert.equal(browser.headers.get('access-control-allow-origin'), ORIGIN);
    for (const res of [plain, browser]) {
      assert.match(res.headers.get('x-request-id') ?? '', /.+/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const body = (await res.json()) as { result: { task: { status: { state: string } } } };
      assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    }
  });

  test('a preflight is answered by the CORS plugin', async () => {
    const res = await fetch(`${gw.url}/agents/echo`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,a2a-version' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
  });

  test('refusals are the same either way in: malformed JSON-RPC, a missing token', async () => {
    for (const headers of [{}, { origin: ORIGIN }] as Array<Record<string, string>>) {
      const bad = await fetch(`${gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}`, ...headers }, body: '{"jsonrpc":' });
      assert.equal(bad.status, 200);
      assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32700);
      const anonymous = await fetch(`${gw.url}/agents/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers }, body: JSON.stringify(send(3)) });
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm="agentmesh"/);
    }
  });

  test('both ways are audited, one entry per call, and the chain verifies', async () => {
    await gw.gateway.audit.flush();
    const [tip] = await gw.gateway.audit.tail({ limit: 1 });
    const plain = await call(send(4));
    const browser = await call(send(5), { origin: ORIGIN });
    await plain.arrayBuffer();
    await browser.arrayBuffer();
    await until('two more audit entries', async () => (await gw.gateway.audit.tail({ since: tip!.seq })).length >= 2);
    const calls = (await gw.gateway.audit.tail({ since: tip!.seq })).filter((r) => r.eventType === 'a2a.call');
    assert.equal(calls.length, 2, JSON.stringify(calls));
    assert.ok(calls.every((r) => r.tenant === 'acme' && r.targetAgent === 'echo' && r.method === 'SendMessage' && r.outcome === 'ok'));
    const verdict = await gw.gateway.audit.verify();
    assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
  });
});
