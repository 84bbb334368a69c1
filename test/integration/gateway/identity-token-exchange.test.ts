/**
 * The token exchange grant (RFC 8693) at the identity's token endpoint, on a
 * fake clock: lifetimes, chains, the gateway's assertions as subject tokens,
 * may_act, actor tokens, and revocation reaching every token derived from a
 * revoked one. The same grant against a gateway process is in
 * token-exchange-gateway-process.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ISSUER, basic, createClient, requestToken, startIdentity, tokenFor, whoami, type IdentityFixture } from './identity-fixture.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const A2A = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];

describe('token exchange (RFC 8693) at the token endpoint', () => {
  let f: IdentityFixture;
  let orchestrator: { client_id: string; client_secret?: string };
  let specialist: { client_id: string; client_secret?: string };
  let caller: { token: string; clientId: string; secret: string };
  before(async () => {
    f = await startIdentity();
    orchestrator = await createClient(f.app, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', ...A2A], authMethod: 'client_secret_basic' });
    specialist = await createClient(f.app, { name: 'specialist', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send'], authMethod: 'client_secret_basic' });
    caller = await tokenFor(f.app, 'acme', ['a2a:message:send', 'a2a:tasks:read', 'billing:read']);
  });
  after(() => f.close());

  const as = (client: { client_id: string; client_secret?: string }) => ({ authorization: basic(client.client_id, client.client_secret!) });
  const exchange = (client: { client_id: string; client_secret?: string }, subjectToken: string, extra: Record<string, string> = {}) =>
    requestToken(f.app, { grant_type: GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, ...extra }, as(client));
  const verify = async (token: string) => (await jwtVerify(token, createLocalJWKSet(f.identity.jwks()), { issuer: ISSUER, audience: 'agentmesh', currentDate: new Date(f.clock.now), typ: 'at+jwt' })).payload;

  test('keeps the caller as subject and tenant, names the client in act, and grants the scopes both hold', async () => {
    const res = await exchange(orchestrator, caller.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
    assert.equal(res.body.issued_token_type, ACCESS_TOKEN);
    assert.equal(res.body.token_type, 'Bearer');
    // billing:read is the caller's but not the orchestrator's: the token holds what both hold.
    assert.equal(res.body.scope, 'a2a:message:send a2a:tasks:read');
    const claims = await verify(res.body.access_token);
    assert.equal(claims.sub, caller.clientId);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.client_id, orchestrator.client_id);
    assert.deepEqual(claims.act, { sub: orchestrator.client_id });
    assert.deepEqual(claims.origin, { kind: 'client', id: caller.clientId, jti: decodeJwt(caller.token).jti, exp: decodeJwt(caller.token).exp });

    const who = await whoami(f.app, { authorization: `Bearer ${res.body.access_token}` });
    assert.equal(who.status, 200);
    assert.equal(who.body.principal.subject, caller.clientId);
    assert.equal(who.body.principal.tenant, 'acme');
    assert.equal(who.body.principal.clientId, orchestrator.client_id);
    assert.deepEqual(who.body.principal.act, { sub: orchestrator.client_id });
  });

  test('lives no longer than the subject token', async () => {
    f.clock.advance(600_000);
    try {
      const res = await exchange(orchestrator, caller.token);
      assert.equal(res.status, 200);
      const subjectExp = decodeJwt(caller.token).exp!;
      const claims = await verify(res.body.access_token);
      assert.equal(claims.exp, subjectExp, 'ten minutes into a fifteen-minute token, the exchanged one ends with it');
      assert.equal(res.body.expires_in, subjectExp - Math.floor(f.clock.now / 1000));
    } finally {
      f.clock.advance(-600_000);
    }
  });

  test('refuses an expired subject token with invalid_grant', async () => {
    const short = await tokenFor(f.app, 'acme');
    f.clock.advance(900_000 + 31_000);
    try {
      const res = await exchange(orchestrator, short.token);
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_grant']);
      assert.match(res.body.error_description, /expired/);
    } finally {
      f.clock.advance(-(900_000 + 31_000));
    }
  });

  test('narrows to the asked scope and audience; a scope the caller lacks is invalid_scope, one the client lacks too', async () => {
    const narrow = await exchange(orchestrator, caller.token, { scope: 'a2a:tasks:read', audience: 'agentmesh' });
    assert.equal(narrow.status, 200);
    assert.equal(narrow.body.scope, 'a2a:tasks:read');
    const wider = await exchange(orchestrator, caller.token, { scope: 'a2a:tasks:read a2a:tasks:cancel' });
    assert.deepEqual(wider.body, { error: 'invalid_scope', error_description: 'scope a2a:tasks:cancel is not held by the subject token' });
    const notClients = await exchange(orchestrator, caller.token, { scope: 'billing:read' });
    assert.deepEqual([notClients.status, notClients.body.error], [400, 'invalid_scope']);
    const target = await exchange(orchestrator, caller.token, { audience: 'billing-api' });
    assert.deepEqual([target.status, target.body.error], [400, 'invalid_target']);
  });

  test('chains: an exchanged token exchanged again nests the actors, newest outermost', async () => {
    const first = await exchange(orchestrator, caller.token);
    const second = await exchange(specialist, first.body.access_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const claims = await verify(second.body.access_token);
    assert.equal(claims.sub, caller.clientId);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.client_id, specialist.client_id);
    assert.deepEqual(claims.act, { sub: specialist.client_id, act: { sub: orchestrator.client_id } });
    assert.equal(second.body.scope, 'a2a:message:send', 'the specialist holds less, so the chain narrows');
    assert.deepEqual((claims.origin as any).jti, decodeJwt(caller.token).jti, 'the origin stays the caller\'s token');
  });

  test('a chain holds at most eight actors', async () => {
    let token = caller.token;
    for (let i = 0; i < 8; i++) {
      const res = await exchange(i % 2 === 0 ? orchestrator : specialist, token, { scope: 'a2a:message:send' });
      assert.equal(res.status, 200, `hop ${i + 1}: ${JSON.stringify(res.body)}`);
      token = res.body.access_token;
    }
    const ninth = await exchange(orchestrator, token);
    assert.deepEqual(ninth.body, { error: 'invalid_grant', error_description: 'the subject token already carries 8 actors; a chain holds at most 8' });
  });

  test('exchanges an assertion the gateway sent an agent, bounded by the caller\'s credential rather than the assertion', async () => {
    const callerExp = decodeJwt(caller.token).exp!;
    const jti = decodeJwt(caller.token).jti!;
    const assertion = await f.identity.signAssertion({ sub: caller.clientId, tenant: 'acme', scope: 'a2a:message:send a2a:tasks:read', aud: 'agentmesh:agent:orchestrator', act: 'agentmesh-gateway', origin: { kind: 'client', id: caller.clientId, jti, exp: callerExp } }, 120);
    const asAccessToken = await exchange(orchestrator, assertion);
    assert.deepEqual([asAccessToken.status, asAccessToken.body.error], [400, 'invalid_grant'], 'an assertion is a JWT, not an access token');
    const res = await exchange(orchestrator, assertion, { subject_token_type: JWT });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const claims = await verify(res.body.access_token);
    assert.equal(claims.sub, caller.clientId);
    assert.deepEqual(claims.act, { sub: orchestrator.client_id, agent: 'orchestrator' }, 'the gateway\'s own hop is left out; the agent acted as is named');
    assert.equal(claims.exp, callerExp, 'not the assertion\'s two minutes');
    // An assertion the gateway made for its own reads acts for nobody.
    const read = await f.identity.signAssertion({ sub: caller.clientId, tenant: 'acme', scope: 'a2a:tasks:read', aud: 'agentmesh:agent:orchestrator', act: 'agentmesh-gateway' }, 120);
    const refused = await exchange(orchestrator, read, { subject_token_type: JWT });
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_grant']);
  });

  test('revoking the caller\'s token refuses its exchange and every token derived from it', async () => {
    const own = await tokenFor(f.app, 'acme');
    const derived = await exchange(orchestrator, own.token);
    const further = await exchange(specialist, derived.body.access_token);
    assert.equal((await whoami(f.app, { authorization: `Bearer ${further.body.access_token}` })).status, 200);
    const revoke = await f.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(own.clientId, own.secret) }, payload: new URLSearchParams({ token: own.token }).toString() });
    assert.equal(revoke.statusCode, 200);
    const again = await exchange(orchestrator, own.token);
    assert.deepEqual(again.body, { error: 'invalid_grant', error_description: 'the subject token, or the credential it was derived from, has been revoked' });
    const fromDerived = await exchange(specialist, derived.body.access_token);
    assert.deepEqual([fromDerived.status, fromDerived.body.error], [400, 'invalid_grant']);
    for (const token of [derived.body.access_token, further.body.access_token]) {
      const who = await whoami(f.app, { authorization: `Bearer ${token}` });
      assert.equal(who.status, 401);
      assert.equal(who.body.error.details.find((d: any) => d.metadata?.reason)?.metadata.reason, 'revoked');
    }
  });

  test('a client not registered with gateway:delegate is unauthorized_client', async () => {
    const plain = await createClient(f.app, { name: 'plain', tenant: 'acme', scopes: A2A, authMethod: 'client_secret_basic' });
    const res = await exchange(plain, caller.token);
    assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: 'this client may not exchange tokens: it is not registered with the scope gateway:delegate' });
  });

  test('refuses malformed requests with invalid_request and garbage with invalid_grant', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ subject_token: '' }, 'invalid_request'],
      [{ subject_token_type: '' }, 'invalid_request'],
      [{ subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, 'invalid_request'],
      [{ requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, 'invalid_request'],
      [{ actor_token: caller.token }, 'invalid_request'],
      [{ actor_token: caller.token, actor_token_type: ACCESS_TOKEN }, 'invalid_request'],
      [{ subject_token: 'not.a.jwt' }, 'invalid_grant'],
      [{ subject_token: 'garbage' }, 'invalid_grant'],
    ];
    for (const [extra, error] of cases) {
      const res = await requestToken(f.app, { grant_type: GRANT, subject_token: caller.token, subject_token_type: ACCESS_TOKEN, ...extra }, as(orchestrator));
      assert.deepEqual([res.status, res.body.error], [400, error], `${JSON.stringify(extra)}: ${JSON.stringify(res.body)}`);
    }
    // An actor token confirming the authenticated client itself is accepted.
    const own = await requestToken(f.app, { grant_type: 'client_credentials' }, as(orchestrator));
    const confirmed = await exchange(orchestrator, caller.token, { actor_token: own.body.access_token, actor_token_type: ACCESS_TOKEN, requested_token_type: ACCESS_TOKEN });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  });

  test('introspection shows the actors of an exchanged token', async () => {
    const res = await exchange(orchestrator, caller.token);
    const introspected = await f.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', ...as(orchestrator) }, payload: new URLSearchParams({ token: res.body.access_token }).toString() });
    const body = introspected.json();
    assert.equal(body.active, true);
    assert.equal(body.sub, caller.clientId);
    assert.deepEqual(body.act, { sub: orchestrator.client_id });
  });

  test('any subject token the gateway did not sign is refused with an OAuth error, never a 5xx (property)', async () => {
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const jwtShaped = fc
      .tuple(fc.jsonValue(), fc.jsonValue(), fc.string({ maxLength: 40 }))
      .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${b64(signature)}`);
    const ours = fc
      .record({ act: fc.jsonValue(), origin: fc.jsonValue(), may_act: fc.jsonValue(), tenant: fc.jsonValue(), scope: fc.jsonValue() }, { requiredKeys: [] })
      .map((claims) => `${b64({ alg: 'ES256', kid: 'whatever', typ: 'at+jwt' })}.${b64({ iss: ISSUER, sub: 'x', exp: 9_999_999_999, ...claims })}.${b64('sig')}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), jwtShaped, ours), fc.constantFrom(ACCESS_TOKEN, JWT), async (subjectToken, type) => {
        const res = await exchange(orchestrator, subjectToken, { subject_token_type: type });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.ok(['invalid_grant', 'invalid_request'].includes(res.body.error), JSON.stringify(res.body));
      }),
      { numRuns: 150, seed: 8693 },
    );
  });

  test('the metadata lists the grant', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.deepEqual(res.json().grant_types_supported, ['client_credentials', GRANT, 'refresh_token']);
  });
});
