import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { httpsCall, type TestTlsClient } from '../../helpers/https-client.js';
import { outputsOf, runMessage, startOrchestrator } from '../../helpers/orchestrator-fixture.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime, testAgent } from '../../helpers/runtime-fixture.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../helpers/test-pki.js';
import { until } from '../../helpers/until.js';

/** A role's TLS: serve with its certificate, require clients of the mesh CA, and present the same certificate when calling. */
function roleTls(pki: TestPki, cert: IssuedCertificate, clientAuth: 'request' | 'require' = 'require') {
  return {
    tls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: pki.caFile, clientAuth },
    clientTls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: pki.caFile },
  };
}

test('registry, gateway, agents and orchestrator talk over mutual TLS, and a user call goes gateway → orchestrator → gateway → agent', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const [registryCert, gatewayCert, agentsCert, orchestratorCert, userCert, otherCert] = await Promise.all(['registry', 'gateway', 'agents', 'orchestrator', 'user', 'other'].map((n) => pki.issue(n)));
  const user: TestTlsClient = { ca: pki.ca, cert: userCert!.cert, key: userCert!.key };
  const other: TestTlsClient = { ca: pki.ca, cert: otherCert!.cert, key: otherCert!.key };

  // The registry probes agents (mutual TLS) with its client certificate; agents register with theirs.
  const registry = await startRegistry({ probeIntervalMs: 200, ...roleTls(pki, registryCert!) });
  t.after(() => registry.close());
  const gw = await startGateway(registry.url, roleTls(pki, gatewayCert!));
  t.after(() => gw.close());
  const jwks = { gatewayJwksUrl: `${gw.url}/.well-known/jwks.json`, requireGatewayAssertion: true };
  const agents = await startRuntime([testAgent], { registryUrl: registry.url, ...jwks, ...roleTls(pki, agentsCert!) });
  t.after(() => agents.close());

  const admin = (path: string, body: unknown) =>
    httpsCall(`${gw.url}${path}`, user, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
  const a2a = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
  const own = (await admin('/v1/clients', { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', ...a2a], authMethod: 'client_secret_basic' })).body;
  const app = (await admin('/v1/clients', { name: 'acme-app', tenant: 'acme', scopes: a2a, authMethod: 'client_secret_basic' })).body;
  const orch = await startOrchestrator({}, {
    config: { gatewayUrl: gw.url, clientId: own.client_id, clientSecret: own.client_secret, registryUrl: registry.url, runtime: { registryUrl: registry.url, ...jwks, ...roleTls(pki, orchestratorCert!) } },
  });
  t.after(() => orch.close());
  await until('the gateway routes to the agent and the orchestrator (registry probes over mutual TLS)', () => ['tester', 'orchestrator'].every((n) => gw.gateway.router.agent(n)?.instances.some((i) => i.inRotation) ?? false));
  assert.match(agents.url, /^https:/);
  // The registry's probe reached the agent over mutual TLS (through its SSRF guard, with its client certificate).
  await registry.registry.probeNow();
  const health = await httpsCall(`${registry.url}/v1/agents/tester/health`, user);
  assert.equal(health.status, 200, JSON.stringify(health.body));
  const probes = health.body.instances.flatMap((i: { history: Array<{ ok: boolean; error?: string }> }) => i.history);
  assert.ok(probes.length > 0 && probes.every((p: { ok: boolean }) => p.ok), JSON.stringify(probes));

  // Nobody reaches the agents around the gateway without a certificate of the mesh.
  await assert.rejects(httpsCall(`${agents.url}/health`, { ca: pki.ca }));

  const tokenRes = await httpsCall(`${gw.url}/oauth/token`, user, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  assert.equal(tokenRes.status, 200, JSON.stringify(tokenRes.body));
  const token = tokenRes.body.access_token as string;
  const send = (tls: TestTlsClient, agent: string, message: Record<string, unknown>) =>
    httpsCall(`${gw.url}/agents/${agent}`, tls, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message } }),
    });

  const direct = await send(user, 'tester', { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'over mTLS' }] });
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  const task = direct.body.result.task ?? direct.body.result;
  assert.equal(task.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(task));
  assert.equal(task.artifacts[0].parts[0].text, 'over mTLS');

  const run = await send(user, 'orchestrator', runMessage(`
name: through-mtls
steps:
  - { id: sum, call: { agent: tester, skill: sum }, input: { numbers: [1, 2, 3] } }
`));
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const runTask = run.body.result.task ?? run.body.result;
  assert.equal(runTask.status.state, 'TASK_STATE_COMPLETED', JSON.stringify(runTask.status));
  assert.deepEqual(outputsOf(runTask), { sum: 6 });

  // The user's token is bound to the user's certificate: a stolen copy is useless from another client.
  const stolen = await send(other, 'tester', { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }] });
  assert.equal(stolen.status, 401);
  assert.match(String(stolen.headers['www-authenticate']), /error="invalid_token"/);
});
