/**
 * Token exchange (RFC 8693) against `agentmesh serve gateway` run as a
 * process of its own: an exchange of the gateway's own token and of an
 * external issuer's, a chain, and every refusal a client meets — a garbage
 * or expired subject token and a revoked one (invalid_grant), a wider scope
 * (invalid_scope), a client without the delegate permission
 * (unauthorized_client) — plus the revocation of the caller's token ending
 * the tokens derived from it on the gateway's own authentication.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { startSqliteChildGateway, type SqliteChildGateway } from '../../helpers/child-gateway.js';
import { startRegistry } from '../../helpers/registry-fixture.js';

const ADMIN_TOKEN = 'admin-token-of-the-exchange-test-0123';
const SSO = 'https://sso.example.test/realms/acme';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
/** Lets a token read `/v1/console/session`: who the gateway's own authentication takes it for. */
const WHOAMI = 'console:read';

type Client = { clientId: string; clientSecret: string };

describe('token exchange against a gateway process', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let jwks: Server;
  let sso: { privateKey: CryptoKey; jwk: JWK };
  let gateway: SqliteChildGateway | undefined;
  let url = '';
  let orchestrator: Client;
  let specialist: Client;
  let plain: Client;
  let user: Client;

  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
    const json = (await res.json()) as any;
    assert.equal(res.status, 201, JSON.stringify(json));
    return { clientId: json.client_id, clientSecret: json.client_secret } as Client;
  };
  const basic = (c: Client) => `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
  const token = async (c: Client, params: Record<string, string>) => {
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c) }, body: new URLSearchParams(params).toString() });
    return { status: res.status, body: (await res.json()) as any, cacheControl: res.headers.get('cache-control') };
  };
  const ownToken = async (c: Client) => (await token(c, { grant_type: 'client_credentials' })).body.access_token as string;
  const exchange = (c: Client, subjectToken: string, extra: Record<string, string> = {}) => token(c, { grant_type: GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, ...extra });
  const session = async (bearer: string) => {
    const res = await fetch(`${url}/v1/console/session`, { headers: { authorization: `Bearer ${bearer}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ssoToken = (claims: Record<string, unknown>, lifetimeSeconds = 300) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tenant: 'acme', scope: `a2a:message:send a2a:tasks:read ${WHOAMI}`, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'sso-1' })
      .setIssuer(SSO)
      .setSubject('ada@acme.example')
      .setAudience('agentmesh')
      .setIssuedAt(now - 600)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(sso.privateKey);
  };

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    sso = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'sso-1', alg: 'ES256', use: 'sig' } };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [sso.jwk] })));
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    registry = await startRegistry();
    gateway = await startSqliteChildGateway({
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      GATEWAY_SECRET: 'a-gateway-secret-of-the-exchange-test-0123456789',
      REGISTRY_URL: registry.url,
      GATEWAY_EXTERNAL_ISSUERS: JSON.stringify([{ issuer: SSO, jwksUri: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`, audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' }]),
    });
    url = gateway.url;
    orchestrator = await admin('/v1/clients', { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', ...A2A, WHOAMI], authMethod: 'client_secret_basic' });
    specialist = await admin('/v1/clients', { name: 'specialist', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', WHOAMI], authMethod: 'client_secret_basic' });
    plain = await admin('/v1/clients', { name: 'plain', tenant: 'platform', scopes: A2A, authMethod: 'client_secret_basic' });
    user = await admin('/v1/clients', { name: 'acme-app', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read', WHOAMI], authMethod: 'client_secret_basic' });
  });
  after(async () => {
    await gateway?.close();
    await registry?.close();
    jwks?.close();
  });

  test('exchanges the gateway\'s own token for one acting for its caller, no longer-lived, that the gateway accepts', async () => {
    const subject = await ownToken(user);
    const res = await exchange(orchestrator, subject);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.cacheControl, 'no-store');
    assert.equal(res.body.issued_token_type, ACCESS_TOKEN);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.scope, `a2a:message:send a2a:tasks:read ${WHOAMI}`);
    const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as any;
    assert.ok(metadata.grant_types_supported.includes(GRANT), 'the metadata names the grant');
    const { payload } = await jwtVerify(res.body.access_token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), { issuer: metadata.issuer, audience: 'agentmesh', typ: 'at+jwt' });
    assert.equal(payload.sub, user.clientId);
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.client_id, orchestrator.clientId);
    assert.deepEqual(payload.act, { sub: orchestrator.clientId });
    assert.ok(payload.exp! <= decodeJwt(subject).exp!, 'no longer-lived than the subject token');
    const seen = await session(res.body.access_token);
    assert.equal(seen.status, 200, JSON.stringify(seen.body));
    assert.deepEqual([seen.body.subject, seen.body.tenant], [user.clientId, 'acme']);
  });

  test('exchanges an external issuer\'s token, and a chain nests the actors', async () => {
    const first = await exchange(orchestrator, await ssoToken({}));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(decodeJwt(first.body.access_token).sub, 'ada@acme.example');
    const second = await exchange(specialist, first.body.access_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const claims = decodeJwt(second.body.access_token);
    assert.deepEqual([claims.sub, claims.tenant, claims.client_id, claims.scope], ['ada@acme.example', 'acme', specialist.clientId, `a2a:message:send ${WHOAMI}`]);
    assert.deepEqual(claims.act, { sub: specialist.clientId, act: { sub: orchestrator.clientId } });
  });

  test('a garbage or expired subject token is invalid_grant', async () => {
    for (const subject of ['garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', await ssoToken({}, -120)]) {
      const res = await exchange(orchestrator, subject);
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_grant'], JSON.stringify(res.body));
    }
    const expired = await exchange(orchestrator, await ssoToken({}, -120));
    assert.match(expired.body.error_description, /expired/);
  });

  test('a scope wider than the caller\'s is invalid_scope', async () => {
    const res = await exchange(orchestrator, await ownToken(user), { scope: 'a2a:message:send a2a:tasks:cancel' });
    assert.deepEqual(res.body, { error: 'invalid_scope', error_description: 'scope a2a:tasks:cancel is not held by the subject token' });
  });

  test('a client without the delegate permission is unauthorized_client', async () => {
    const res = await exchange(plain, await ownToken(user));
    assert.deepEqual([res.status, res.body.error], [400, 'unauthorized_client']);
  });

  test('a revoked subject token is invalid_grant, and what was derived from it stops working', async () => {
    const subject = await ownToken(user);
    const derived = await exchange(orchestrator, subject);
    const further = await exchange(specialist, derived.body.access_token);
    assert.equal((await session(further.body.access_token)).status, 200);
    const revoked = await fetch(`${url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(user) }, body: new URLSearchParams({ token: subject }).toString() });
    assert.equal(revoked.status, 200);
    const res = await exchange(orchestrator, subject);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'the subject token, or the credential it was derived from, has been revoked' });
    for (const t of [derived.body.access_token, further.body.access_token]) assert.equal((await session(t)).status, 401, 'a token derived from a revoked one is refused');
  });
});
