/**
 * Delegation grants at the identity's token endpoint, on a fake clock
 * (docs/adr/0042-durable-delegation-grants.md): a refresh token issued by
 * token exchange outlives the caller's access token, rotates on every use,
 * revokes its family when a used one comes back after its successor was
 * redeemed (the retry of a lost answer is delegation-grant-retry.test.ts), ends with the caller's
 * token or client, shrinks with the caller's scopes, and never outlives its
 * configured lifetime.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ADMIN_TOKEN, ISSUER, basic, createClient, requestToken, startIdentity, tokenFor, whoami, type IdentityFixture } from './identity-fixture.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
/** The grant's configured lifetime in this file, seconds: an hour, four caller-token lifetimes. */
const GRANT_TTL = 3600;

type Client = { client_id: string; client_secret?: string };

describe('delegation grants: refresh tokens from token exchange', () => {
  let f: IdentityFixture;
  let orchestrator: Client;
  let other: Client;
  before(async () => {
    f = await startIdentity({ config: { delegationGrantTtlSeconds: GRANT_TTL } });
    orchestrator = await createClient(f.app, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', ...A2A], authMethod: 'client_secret_basic' });
    other = await createClient(f.app, { name: 'other delegate', tenant: 'platform', scopes: ['gateway:delegate', ...A2A], authMethod: 'client_secret_basic' });
  });
  after(() => f.close());

  const as = (client: Client) => ({ authorization: basic(client.client_id, client.client_secret!) });
  const grantFor = async (subjectToken: string, client: Client = orchestrator) => {
    const res = await requestToken(f.app, { grant_type: GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, requested_token_type: REFRESH_TOKEN }, as(client));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const refresh = (refreshToken: string, client: Client = orchestrator, extra: Record<string, string> = {}) => requestToken(f.app, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, as(client));
  const verify = async (token: string) => (await jwtVerify(token, createLocalJWKSet(f.identity.jwks()), { issuer: ISSUER, audience: 'agentmesh', currentDate: new Date(f.clock.now), typ: 'at+jwt' })).payload;
  const revoke = (token: string, client: { id: string; secret: string }) =>
    f.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.id, client.secret) }, payload: new URLSearchParams({ token }).toString() });

  test('answers a refresh token (RFC 8693 §2.2.1) that later gives delegated access tokens after the caller token expired', async () => {
    const caller = await tokenFor(f.app, 'acme', ['a2a:message:send', 'a2a:tasks:read', 'billing:read']);
    const grant = await grantFor(caller.token);
    assert.deepEqual(Object.keys(grant).sort(), ['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
    assert.equal(grant.issued_token_type, REFRESH_TOKEN);
    assert.equal(grant.token_type, 'N_A');
    assert.match(grant.access_token, /^amr_[A-Za-z0-9_-]{43}$/);
    assert.equal(grant.expires_in, GRANT_TTL);
    assert.equal(grant.scope, 'a2a:message:send a2a:tasks:read', 'the scopes both the caller and the client hold');

    // The caller's own token is past its end: an exchange of it is refused, the grant still serves.
    f.clock.advance(901_000);
    const exchanged = await requestToken(f.app, { grant_type: GRANT, subject_token: caller.token, subject_token_type: ACCESS_TOKEN }, as(orchestrator));
    assert.equal(exchanged.body.error, 'invalid_grant');
    const res = await refresh(grant.access_token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.token_type, 'Bearer');
    assert.match(res.body.refresh_token, /^amr_/);
    assert.notEqual(res.body.refresh_token, grant.access_token, 'rotated');
    const claims = await verify(res.body.access_token);
    assert.equal(claims.sub, caller.clientId);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.client_id, orchestrator.client_id);
    assert.deepEqual(claims.act, { sub: orchestrator.client_id });
    const origin = claims.origin as Record<string, unknown>;
    assert.equal(origin.jti, decodeJwt(caller.token).jti, 'the chain still names the caller token it started from');
    assert.ok((claims.exp as number) <= (origin.exp as number), 'the grant bounds the chain');
    const who = await whoami(f.app, { authorization: `Bearer ${res.body.access_token}` });
    assert.equal(who.status, 200);
    assert.equal(who.body.principal.subject, caller.clientId);
  });

  test('a used refresh token presented again after its successor was redeemed revokes the whole grant', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    const first = await refresh(grant.access_token);
    assert.equal(first.status, 200);
    const second = await refresh(first.body.refresh_token);
    assert.equal(second.status, 200);
    const replay = await refresh(grant.access_token);
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.body, { error: 'invalid_grant', error_description: 'the refresh token was used already: its delegation grant is revoked, and the caller must start again' });
    // The legitimate holder's newest token went with the family.
    const successor = await refresh(second.body.refresh_token);
    assert.equal(successor.status, 400);
    assert.equal(successor.body.error, 'invalid_grant');
    assert.match(successor.body.error_description, /revoked/);
  });

  test('revoking the caller token ends the grant, and the access tokens it already issued', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    // Ten minutes in, the grant issues a token that outlives the caller's by ten minutes.
    f.clock.advance(600_000);
    const issued = await refresh(grant.access_token);
    assert.equal(issued.status, 200);
    assert.equal((await revoke(caller.token, { id: caller.clientId, secret: caller.secret })).statusCode, 200);
    const after = await refresh(issued.body.refresh_token);
    assert.deepEqual(after.body, { error: 'invalid_grant', error_description: "the delegation grant has been revoked, or the caller's credential it was derived from has" });
    // Past the caller token's own end, after a sync reloaded the revocations: still revoked, for as long as a token the grant issued lives.
    f.clock.advance(400_000);
    await f.identity.sync();
    const who = await whoami(f.app, { authorization: `Bearer ${issued.body.access_token}` });
    assert.equal(who.status, 401);
  });

  test('revoking the caller client ends the grant', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    f.clock.advance(901_000);
    const revoked = await f.app.inject({ method: 'POST', url: `/v1/clients/${caller.clientId}/revoke`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(revoked.statusCode, 200, revoked.body);
    const res = await refresh(grant.access_token);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /revoked/);
  });

  test('the client revokes its own grant by its refresh token (RFC 7009)', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    const secret = orchestrator.client_secret!;
    assert.equal((await revoke(grant.access_token, { id: other.client_id, secret: other.client_secret! })).statusCode, 200, "another client's revocation is nothing to revoke");
    const stillGood = await refresh(grant.access_token);
    assert.equal(stillGood.status, 200, 'another client cannot revoke it');
    assert.equal((await revoke(stillGood.body.refresh_token, { id: orchestrator.client_id, secret })).statusCode, 200);
    assert.equal((await refresh(stillGood.body.refresh_token)).body.error, 'invalid_grant');
  });

  test('only the client the grant was issued to redeems it', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    const res = await refresh(grant.access_token, other);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'the refresh token is not valid: it was not issued to this client' });
    assert.equal((await refresh(grant.access_token)).status, 200, 'the refusal did not use it up');
  });

  test('never widens: an asked scope beyond the grant is invalid_scope, a narrower one is granted', async () => {
    const caller = await tokenFor(f.app, 'acme', ['a2a:message:send', 'a2a:tasks:read']);
    const grant = await grantFor(caller.token);
    const wider = await refresh(grant.access_token, orchestrator, { scope: 'a2a:tasks:cancel' });
    assert.equal(wider.body.error, 'invalid_scope');
    const narrower = await refresh(grant.access_token, orchestrator, { scope: 'a2a:tasks:read' });
    assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
    assert.equal(narrower.body.scope, 'a2a:tasks:read');
  });

  test('ends at its configured lifetime', async () => {
    const caller = await tokenFor(f.app);
    const grant = await grantFor(caller.token);
    f.clock.advance(GRANT_TTL * 1000);
    const res = await refresh(grant.access_token);
    assert.deepEqual(res.body, { error: 'invalid_grant', error_description: 'the delegation grant has expired' });
  });

  test('refuses a refresh token that is not one, and a client without gateway:delegate', async () => {
    for (const garbage of ['amr_short', 'x'.repeat(47), 'amr_' + 'A'.repeat(43), '__proto__']) {
      const res = await refresh(garbage);
      assert.equal(res.status, 400, garbage);
      assert.equal(res.body.error, 'invalid_grant', garbage);
    }
    const missing = await requestToken(f.app, { grant_type: 'refresh_token' }, as(orchestrator));
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'refresh_token is missing' });
    const plain = await createClient(f.app, { name: 'plain', tenant: 'acme', scopes: A2A, authMethod: 'client_secret_basic' });
    const caller = await tokenFor(f.app);
    const refused = await requestToken(f.app, { grant_type: GRANT, subject_token: caller.token, subject_token_type: ACCESS_TOKEN, requested_token_type: REFRESH_TOKEN }, as(plain));
    assert.equal(refused.body.error, 'unauthorized_client');
    assert.equal((await refresh((await grantFor(caller.token)).access_token, plain)).body.error, 'unauthorized_client');
  });

  test('the server metadata lists the refresh token grant', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.deepEqual(res.json().grant_types_supported, ['client_credentials', GRANT, 'refresh_token']);
  });
});
