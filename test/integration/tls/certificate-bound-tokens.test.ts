import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ADMIN_TOKEN, startGateway } from '../../helpers/gateway-fixture.js';
import { httpsCall, type TestTlsClient } from '../../helpers/https-client.js';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../helpers/test-pki.js';

/** A gateway serving HTTPS that asks clients for a certificate (TLS_CLIENT_AUTH=request), and an admin client registered through it. */
async function boundTokenGateway(t: { after(fn: () => unknown): void }) {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const server = await pki.issue('gateway');
  const registry = await startRegistry();
  t.after(() => registry.close());
  const gw = await startGateway(registry.url, { tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: pki.caFile, clientAuth: 'request' } });
  t.after(() => gw.close());
  const created = await httpsCall(`${gw.url}/v1/clients`, { ca: pki.ca }, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'ops', tenant: 'acme', scopes: ['gateway:admin'], authMethod: 'client_secret_basic' }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const client = { id: created.body.client_id ?? created.body.clientId, secret: created.body.client_secret ?? created.body.clientSecret };
  return { pki, gw, client, a: await pki.issue('client-a'), b: await pki.issue('client-b') };
}

function withCert(pki: TestPki, cert?: IssuedCertificate): TestTlsClient {
  return cert ? { ca: pki.ca, cert: cert.cert, key: cert.key } : { ca: pki.ca };
}

async function token(url: string, tls: TestTlsClient, client: { id: string; secret: string }): Promise<string> {
  const res = await httpsCall(`${url}/oauth/token`, tls, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token as string;
}

test('a token asked for over mutual TLS is bound to the client certificate, and refused on a connection with another certificate or none', async (t) => {
  const { pki, gw, client, a, b } = await boundTokenGateway(t);
  const bound = await token(gw.url, withCert(pki, a), client);
  // RFC 8705 §3.1: cnf carries the base64url SHA-256 of the certificate's DER bytes.
  assert.deepEqual(decodeJwt(bound).cnf, { 'x5t#S256': a.thumbprint });

  const list = (tls: TestTlsClient) => httpsCall(`${gw.url}/v1/clients`, tls, { headers: { authorization: `Bearer ${bound}` } });
  const own = await list(withCert(pki, a));
  assert.equal(own.status, 200, JSON.stringify(own.body));

  for (const tls of [withCert(pki, b), withCert(pki)]) {
    const refused = await list(tls);
    assert.equal(refused.status, 401);
    assert.match(String(refused.headers['www-authenticate']), /^Bearer realm="agentmesh", error="invalid_token"/);
    assert.equal(refused.body.error.details[0].reason, 'AM_ERR_AUTH_UNAUTHENTICATED');
    assert.equal(refused.body.error.details[0].metadata.reason, 'certificate_mismatch');
  }
  // Still its own after a refusal on another connection (the verified-token cache keeps the binding).
  assert.equal((await list(withCert(pki, a))).status, 200);

  // Introspection shows the binding to resource servers (RFC 8705 §3.2).
  const introspected = await httpsCall(`${gw.url}/oauth/introspect`, withCert(pki, a), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ token: bound }).toString(),
  });
  assert.deepEqual(introspected.body.cnf, { 'x5t#S256': a.thumbprint });
  const metadata = await httpsCall(`${gw.url}/.well-known/oauth-authorization-server`, withCert(pki));
  assert.equal(metadata.body.tls_client_certificate_bound_access_tokens, true);
});

test('a token asked for without a client certificate is not bound and works from any connection', async (t) => {
  const { pki, gw, client, b } = await boundTokenGateway(t);
  const plain = await token(gw.url, withCert(pki), client);
  assert.equal(decodeJwt(plain).cnf, undefined);
  const res = await httpsCall(`${gw.url}/v1/clients`, withCert(pki, b), { headers: { authorization: `Bearer ${plain}` } });
  assert.equal(res.status, 200);
});
