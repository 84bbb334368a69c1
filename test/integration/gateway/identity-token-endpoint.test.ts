/** POST /oauth/token, /oauth/revoke, /oauth/introspect and the well-known documents, end to end. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { ISSUER, basic, createClient, form, requestToken, startIdentity, tokenFor, whoami, type IdentityFixture } from './identity-fixture.js';

const TOKEN_ENDPOINT = `${ISSUER}/oauth/token`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SCOPES = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function assertion(clientId: string, key: { privateKey: CryptoKey; jwk: JWK }, overrides: { aud?: string; iss?: string; expSeconds?: number; alg?: string; jti?: string } = {}, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: overrides.alg ?? key.jwk.alg!, kid: key.jwk.kid! })
    .setIssuer(overrides.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(overrides.aud ?? TOKEN_ENDPOINT)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (overrides.expSeconds ?? 60))
    .setJti(overrides.jti ?? randomUUID())
    .sign(key.privateKey);
}

describe('the token endpoint (RFC 6749 §4.4)', () => {
  let f: IdentityFixture;
  let basicClient: { client_id: string; client_secret?: string };
  before(async () => {
    f = await startIdentity();
    basicClient = await createClient(f.app, { name: 'router', tenant: 'acme', scopes: SCOPES, authMethod: 'client_secret_basic' });
  });
  after(() => f.close());
  const basicAuth = () => ({ authorization: basic(basicClient.client_id, basicClient.client_secret!) });

  test('issues a token to a client_secret_basic client with every allowed scope by default', async () => {
    const res = await requestToken(f.app, { grant_type: 'client_credentials' }, basicAuth());
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 900);
    assert.equal(res.body.scope, SCOPES.join(' '));
    const { payload } = await jwtVerify(res.body.access_token, createLocalJWKSet(f.identity.jwks()), { issuer: ISSUER, audience: 'agentmesh', currentDate: new Date(f.clock.now), typ: 'at+jwt' });
    assert.equal(payload.sub, basicClient.client_id);
    assert.equal(payload.client_id, basicClient.client_id);
    assert.equal(payload.tenant, 'acme');
  });

  test('grants only the scopes asked for, and refuses one not allowed with invalid_scope', async () => {
    const some = await requestToken(f.app, { grant_type: 'client_credentials', scope: 'a2a:tasks:read' }, basicAuth());
    assert.equal(some.body.scope, 'a2a:tasks:read');
    const refused = await requestToken(f.app, { grant_type: 'client_credentials', scope: 'a2a:tasks:read gateway:admin' }, basicAuth());
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { error: 'invalid_scope', error_description: 'scope gateway:admin is not allowed for this client' });
  });

  test('refuses an audience the client may not ask for (invalid_target), accepts resource as its synonym', async () => {
    const refused = await requestToken(f.app, { grant_type: 'client_credentials', audience: 'billing-api' }, basicAuth());
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_target']);
    const ok = await requestToken(f.app, { grant_type: 'client_credentials', resource: 'agentmesh' }, basicAuth());
    assert.equal(decodeJwt(ok.body.access_token).aud, 'agentmesh');
  });

  test('issues to a client_secret_post client, and refuses a method the client is not registered for', async () => {
    const post = await createClient(f.app, { name: 'poster', tenant: 'globex', scopes: ['a2a:message:send'], authMethod: 'client_secret_post' });
    const ok = await requestToken(f.app, { grant_type: 'client_credentials', client_id: post.client_id, client_secret: post.client_secret! });
    assert.equal(ok.status, 200);
    assert.equal(decodeJwt(ok.body.access_token).tenant, 'globex');
    const viaBasic = await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic(post.client_id, post.client_secret!) });
    assert.deepEqual(viaBasic.body, { error: 'invalid_client', error_description: 'the client is registered for client_secret_post, not client_secret_basic' });
    const viaPost = await requestToken(f.app, { grant_type: 'client_credentials', client_id: basicClient.client_id, client_secret: basicClient.client_secret! });
    assert.equal(viaPost.body.error, 'invalid_client');
  });

  test('answers invalid_client with 401 and a Basic challenge for a wrong secret or an unknown client, alike', async () => {
    const wrong = await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic(basicClient.client_id, 'amcs_wrong') });
    const unknown = await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic('amc_00000000000000000000', 'amcs_wrong') });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: 'invalid_client', error_description: 'client authentication failed' });
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="agentmesh"/);
    }
    const none = await requestToken(f.app, { grant_type: 'client_credentials' });
    assert.deepEqual([none.status, none.body.error], [401, 'invalid_client']);
    // RFC 6749 §5.2: the Basic challenge answers a client that tried Basic only (a browser would open its login dialog).
    assert.equal(none.headers['www-authenticate'], undefined);
    const posted = await requestToken(f.app, { grant_type: 'client_credentials', client_id: basicClient.client_id, client_secret: 'amcs_wrong' });
    assert.deepEqual([posted.status, posted.body.error, posted.headers['www-authenticate']], [401, 'invalid_client', undefined]);
  });

  test('refuses malformed requests with invalid_request or unsupported_grant_type', async () => {
    const missing = await requestToken(f.app, {}, basicAuth());
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'grant_type is missing' });
    const password = await requestToken(f.app, { grant_type: 'password' }, basicAuth());
    assert.deepEqual([password.status, password.body.error], [400, 'unsupported_grant_type']);
    const twice = await f.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...basicAuth() }, payload: 'grant_type=client_credentials&scope=a&scope=b' });
    assert.deepEqual([twice.statusCode, twice.json().error], [400, 'invalid_request']);
    const json = await f.app.inject({ method: 'POST', url: '/oauth/token', headers: basicAuth(), payload: { grant_type: 'client_credentials' } });
    assert.deepEqual([json.statusCode, json.json().error], [400, 'invalid_request']);
    const both = await requestToken(f.app, { grant_type: 'client_credentials', client_id: basicClient.client_id, client_secret: basicClient.client_secret! }, basicAuth());
    assert.deepEqual([both.status, both.body.error], [400, 'invalid_request']);
    const huge = await f.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=client_credentials&x=${'a'.repeat(20_000)}` });
    assert.deepEqual([huge.statusCode, huge.json().error], [400, 'invalid_request']);
  });

  test('keeps the old secret valid for the grace period after a rotation, and ends it at once with grace 0', async () => {
    const client = await createClient(f.app, { name: 'rotating', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_basic' });
    const rotate = (graceSeconds: number) => f.app.inject({ method: 'POST', url: `/v1/clients/${client.client_id}/rotate-secret`, headers: { authorization: 'Bearer admin-token-for-tests-0123456789' }, payload: { graceSeconds } });
    const first = await rotate(600);
    assert.equal(first.statusCode, 200);
    const secret2 = first.json().client_secret as string;
    assert.notEqual(secret2, client.client_secret);
    assert.equal(first.json().previousSecretExpiresAt, new Date(f.clock.now + 600_000).toISOString());
    const tokenWith = (secret: string) => requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, secret) });
    assert.equal((await tokenWith(client.client_secret!)).status, 200, 'old secret within the grace period');
    assert.equal((await tokenWith(secret2)).status, 200);
    f.clock.advance(600_001);
    assert.equal((await tokenWith(client.client_secret!)).status, 401, 'old secret after the grace period');
    const second = await rotate(0);
    const secret3 = second.json().client_secret as string;
    assert.equal((await tokenWith(secret2)).status, 401, 'grace 0 ends the old secret at once');
    assert.equal((await tokenWith(secret3)).status, 200);
  });
});

describe('private_key_jwt client authentication (RFC 7523)', () => {
  let f: IdentityFixture;
  let jwksServer: Server;
  let jwksFetches = 0;
  let remoteKey: { privateKey: CryptoKey; jwk: JWK };
  let jwksUrl: string;
  before(async () => {
    f = await startIdentity();
    remoteKey = await keyPair('RS256', 'remote-1');
    jwksServer = createServer((_req, res) => {
      jwksFetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [remoteKey.jwk] }));
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  after(async () => {
    await f.close();
    jwksServer.close();
  });

  const withAssertion = (jwt: string, extra: Record<string, string> = {}) => requestToken(f.app, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra });

  test('accepts an assertion signed by a key of the inline JWKS, for the token endpoint or the issuer as audience', async () => {
    const key = await keyPair('ES256', 'inline-1');
    const client = await createClient(f.app, { name: 'signer', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'private_key_jwt', jwks: { keys: [key.jwk] } });
    assert.equal(client.client_secret, undefined, 'private_key_jwt clients get no secret');
    const ok = await withAssertion(await assertion(client.client_id, key, {}, f.clock.now), { client_id: client.client_id });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(decodeJwt(ok.body.access_token).sub, client.client_id);
    assert.equal((await withAssertion(await assertion(client.client_id, key, { aud: ISSUER }, f.clock.now))).status, 200);
  });

  test('refuses a replayed, mis-addressed, too long-lived, foreign-signed or HMAC assertion', async () => {
    const key = await keyPair('ES256', 'inline-2');
    const client = await createClient(f.app, { name: 'strict', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'private_key_jwt', jwks: { keys: [key.jwk] } });
    const once1 = await assertion(client.client_id, key, {}, f.clock.now);
    assert.equal((await withAssertion(once1)).status, 200);
    const replay = await withAssertion(once1);
    assert.deepEqual(replay.body, { error: 'invalid_client', error_description: 'client_assertion was already used (jti replay)' });
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['wrong audience', assertion(client.client_id, key, { aud: 'https://elsewhere.test/token' }, f.clock.now), /another audience/],
      ['iss is not the client', assertion(client.client_id, key, { iss: 'someone-else' }, f.clock.now), /iss and sub/],
      ['expires in an hour', assertion(client.client_id, key, { expSeconds: 3600 }, f.clock.now), /too far in the future/],
      ['expired', assertion(client.client_id, key, { expSeconds: 60 }, f.clock.now - 3600_000), /expired/],
      ['signed by another key', keyPair('ES256', 'inline-2').then((other) => assertion(client.client_id, other, {}, f.clock.now)), /invalid signature/],
      ['HS256', new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(TOKEN_ENDPOINT).setExpirationTime(Math.floor(f.clock.now / 1000) + 60).setJti(randomUUID()).sign(new TextEncoder().encode('a shared secret of 32 bytes!!!!!')), /algorithm/],
    ];
    for (const [what, jwt, description] of cases) {
      const res = await withAssertion(await jwt);
      assert.equal(res.status, 401, what);
      assert.equal(res.body.error, 'invalid_client', what);
      assert.match(res.body.error_description, description, what);
    }
    const wrongType = await requestToken(f.app, { grant_type: 'client_credentials', client_assertion_type: 'urn:other', client_assertion: once1 });
    assert.deepEqual([wrongType.status, wrongType.body.error], [400, 'invalid_request']);
  });

  test('fetches the keys of a jwks_uri client through the SSRF guard', async () => {
    const client = await createClient(f.app, { name: 'remote', tenant: 'acme', scopes: ['a2a:tasks:read'], authMethod: 'private_key_jwt', jwksUri: jwksUrl });
    const before = jwksFetches;
    const ok = await withAssertion(await assertion(client.client_id, remoteKey, {}, f.clock.now));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(jwksFetches > before, 'the JWKS was fetched');
  });

  test('refuses at registration a jwks_uri the outbound policy blocks, a private JWK, and keys for a secret method', async () => {
    const post = (body: Record<string, unknown>) => f.app.inject({ method: 'POST', url: '/v1/clients', headers: { authorization: 'Bearer admin-token-for-tests-0123456789' }, payload: { name: 'x', tenant: 'acme', scopes: [], ...body } });
    const blocked = await post({ authMethod: 'private_key_jwt', jwksUri: 'http://10.1.2.3/jwks.json' });
    assert.equal(blocked.statusCode, 400);
    assert.match(blocked.json().error.message, /^jwksUri is refused by the outbound policy/);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const leaked = await post({ authMethod: 'private_key_jwt', jwks: { keys: [await exportJWK(privateKey)] } });
    assert.equal(leaked.statusCode, 400);
    assert.match(leaked.json().error.message, /private member "d"/);
    const neither = await post({ authMethod: 'private_key_jwt' });
    assert.match(neither.json().error.message, /exactly one of jwks and jwksUri/);
    const mixed = await post({ authMethod: 'client_secret_basic', jwksUri: 'https://keys.example.com/jwks' });
    assert.match(mixed.json().error.message, /only for private_key_jwt/);
  });
});

describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
  let f: IdentityFixture;
  before(async () => {
    f = await startIdentity();
  });
  after(() => f.close());
  const post = (path: string, params: Record<string, string>, auth: string) => f.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, payload: form(params) });

  test('introspection shows a client its own active token, and nothing to others', async () => {
    const mine = await tokenFor(f.app, 'acme');
    const stranger = await tokenFor(f.app, 'globex');
    const res = await post('/oauth/introspect', { token: mine.token }, basic(mine.clientId, mine.secret));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    const claims = decodeJwt(mine.token);
    assert.deepEqual(body, { active: true, token_type: 'Bearer', scope: claims.scope, client_id: mine.clientId, sub: mine.clientId, tenant: 'acme', aud: 'agentmesh', iss: ISSUER, exp: claims.exp, iat: claims.iat, nbf: claims.nbf, jti: claims.jti });
    assert.deepEqual((await post('/oauth/introspect', { token: mine.token }, basic(stranger.clientId, stranger.secret))).json(), { active: false });
    const resourceServer = await tokenFor(f.app, 'acme', ['oauth:introspect']);
    assert.equal((await post('/oauth/introspect', { token: mine.token }, basic(resourceServer.clientId, resourceServer.secret))).json().active, true);
  });

  test('introspection answers active: false for garbage, expired and revoked tokens', async () => {
    const mine = await tokenFor(f.app, 'acme');
    const auth = basic(mine.clientId, mine.secret);
    assert.deepEqual((await post('/oauth/introspect', { token: 'garbage' }, auth)).json(), { active: false });
    const revoke = await post('/oauth/revoke', { token: mine.token, token_type_hint: 'access_token' }, auth);
    assert.equal(revoke.statusCode, 200);
    assert.equal(revoke.body, '');
    assert.deepEqual((await post('/oauth/introspect', { token: mine.token }, auth)).json(), { active: false });
    const fresh = await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: auth });
    f.clock.advance(3600_000);
    assert.deepEqual((await post('/oauth/introspect', { token: fresh.body.access_token }, auth)).json(), { active: false });
    f.clock.advance(-3600_000);
  });

  test('revocation needs client authentication, answers 200 for an unknown token, and refuses another client’s token', async () => {
    const mine = await tokenFor(f.app, 'acme');
    const other = await tokenFor(f.app, 'acme');
    assert.equal((await post('/oauth/revoke', { token: mine.token }, basic(mine.clientId, 'amcs_wrong'))).statusCode, 401);
    assert.equal((await post('/oauth/revoke', { token: 'not-a-token' }, basic(mine.clientId, mine.secret))).statusCode, 200);
    const foreign = await post('/oauth/revoke', { token: other.token }, basic(mine.clientId, mine.secret));
    assert.deepEqual([foreign.statusCode, foreign.json().error], [400, 'unauthorized_client']);
    assert.equal((await whoami(f.app, { authorization: `Bearer ${other.token}` })).status, 200, 'the other client’s token still works');
    assert.deepEqual([(await post('/oauth/revoke', {}, basic(mine.clientId, mine.secret))).json().error], ['invalid_request']);
  });
});

describe('well-known documents', () => {
  test('publish RFC 8414 metadata and the JWKS', async (t) => {
    const f = await startIdentity();
    t.after(() => f.close());
    const metadata = await f.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.equal(metadata.statusCode, 200);
    const m = metadata.json();
    assert.equal(m.issuer, ISSUER);
    assert.equal(m.token_endpoint, `${ISSUER}/oauth/token`);
    assert.equal(m.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
    assert.equal(m.revocation_endpoint, `${ISSUER}/oauth/revoke`);
    assert.equal(m.introspection_endpoint, `${ISSUER}/oauth/introspect`);
    assert.deepEqual(m.grant_types_supported, ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange', 'refresh_token']);
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    assert.ok(!m.token_endpoint_auth_signing_alg_values_supported.some((a: string) => /^(none|HS)/.test(a)));
    const jwks = await f.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(jwks.statusCode, 200);
    assert.match(String(jwks.headers['content-type']), /^application\/jwk-set\+json/);
    assert.match(String(jwks.headers['cache-control']), /^public, max-age=\d+$/);
    const keys = jwks.json().keys as JWK[];
    assert.equal(keys.length, 1);
    assert.deepEqual(Object.keys(keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });
});
