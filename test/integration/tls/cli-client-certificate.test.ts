import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { runCli } from '../../../src/cli/index.js';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { httpsCall } from '../../helpers/https-client.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime, testAgent } from '../../helpers/runtime-fixture.js';
import { createTestPki } from '../../helpers/test-pki.js';
import { until } from '../../helpers/until.js';

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { AGENTMESH_TOKEN_CACHE: '0', ...env } });
  return { code, out, err };
}

test('the CLI presents TLS_CLIENT_CERT_FILE to a gateway that requires client certificates, and says what to set when it has none', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const [server, user] = await Promise.all([pki.issue('gateway'), pki.issue('user')]);
  const registry = await startRegistry();
  t.after(() => registry.close());
  const gw = await startGateway(registry.url, { tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile, clientAuth: 'require' } });
  t.after(() => gw.close());
  const agents = await startRuntime([testAgent], { registryUrl: registry.url });
  t.after(() => agents.close());
  await until('the gateway routes to the agent', () => gw.gateway.router.agent('tester')?.instances.some((i) => i.inRotation) ?? false);
  const mtls = { ca: pki.ca, cert: user.cert, key: user.key };
  const created = await httpsCall(`${gw.url}/v1/clients`, mtls, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'cli', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', 'a2a:card:read'], authMethod: 'client_secret_basic' }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const credentials = { AGENTMESH_CLIENT_ID: created.body.client_id as string, AGENTMESH_CLIENT_SECRET: created.body.client_secret as string };
  const withCert = { ...credentials, TLS_CLIENT_CERT_FILE: user.certFile, TLS_CLIENT_KEY_FILE: user.keyFile, TLS_CA_FILE: pki.caFile };

  // token: the certificate was presented — the gateway bound the token to it (RFC 8705).
  const token = await cli(['token', '--gateway', gw.url], withCert);
  assert.equal(token.code, 0, token.err);
  const claims = decodeJwt(token.out.trim()) as { cnf?: Record<string, string> };
  assert.equal(claims.cnf?.['x5t#S256'], user.thumbprint);

  // send: card, token and call all through the mutual-TLS gateway.
  const sent = await cli(['send', `${gw.url}/agents/tester`, 'over mutual TLS', '--json'], withCert);
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.out, /over mutual TLS/);
  assert.match(sent.out, /TASK_STATE_COMPLETED/);

  // Without a certificate: refused during the handshake, and the message says what to set.
  const refused = await cli(['token', '--gateway', gw.url], { ...credentials, TLS_CA_FILE: pki.caFile });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^error: cannot reach the gateway at https:\/\/localhost:\d+: the server requires a client certificate \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)$/m);
  assert.match(refused.err, /^hint: .*TLS_CLIENT_CERT_FILE and TLS_CLIENT_KEY_FILE/m);
  const refusedSend = await cli(['send', `${gw.url}/agents/tester`, 'x'], { ...credentials, TLS_CA_FILE: pki.caFile });
  assert.equal(refusedSend.code, 1);
  assert.match(refusedSend.err, /client certificate/);
  assert.match(refusedSend.err, /^hint: .*TLS_CLIENT_CERT_FILE/m);

  // Without the CA either: the gateway's certificate is not trusted, and the hint names TLS_CA_FILE.
  const untrusted = await cli(['token', '--gateway', gw.url], credentials);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.err, /not signed by a trusted CA|untrusted CA/);
  assert.match(untrusted.err, /^hint: .*TLS_CA_FILE/m);

  // A file that cannot be read is a usage error naming the variable; nothing is sent.
  const missing = await cli(['token', '--gateway', gw.url], { ...withCert, TLS_CLIENT_KEY_FILE: join(pki.dir, 'nope.key') });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^error: TLS_CLIENT_KEY_FILE names a file that cannot be read \(.*nope\.key\): ENOENT$/m);
  const half = await cli(['token', '--gateway', gw.url], { ...credentials, TLS_CLIENT_CERT_FILE: user.certFile });
  assert.equal(half.code, 2);
  assert.match(half.err, /set both TLS_CLIENT_CERT_FILE and TLS_CLIENT_KEY_FILE/);
});
