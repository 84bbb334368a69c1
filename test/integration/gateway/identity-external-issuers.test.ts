/** Tokens of configured external issuers: JWKS through the SSRF guard, claim mapping, the same refusals. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { T0, reasonOf, startIdentity, whoami, type IdentityFixture } from './identity-fixture.js';

const KEYCLOAK = 'https://sso.example.test/realms/acme';
const OKTA = 'https://example.okta.test/oauth2/default';
const BLOCKED = 'https://blocked.example.test';

interface Signer {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signer(alg: 'RS256' | 'ES256', kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(key: Signer, claims: JWTPayload, header: { alg?: string; kid?: string } = {}): Promise<string> {
  const iat = Math.floor(T0 / 1000);
  return new SignJWT({ iat, exp: iat + 300, ...claims }).setProtectedHeader({ alg: header.alg ?? key.jwk.alg!, kid: header.kid ?? key.jwk.kid! }).sign(key.privateKey);
}

describe('external issuers', () => {
  let f: IdentityFixture;
  let server: Server;
  let fetches = 0;
  let keycloak: Signer;
  let okta: Signer;
  before(async () => {
    keycloak = await signer('RS256', 'kc-1');
    okta = await signer('ES256', 'okta-1');
    server = createServer((req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [req.url === '/keycloak' ? keycloak.jwk : okta.jwk] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    f = await startIdentity({
      config: {
        externalIssuers: [
          { issuer: KEYCLOAK, jwksUri: `${base}/keycloak`, audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' },
          { issuer: OKTA, jwksUri: `${base}/okta`, audience: ['api://agentmesh'], tenantClaim: 'org.tenant', scopesClaim: 'scp', subjectClaim: 'uid', algorithms: ['ES256'] },
          { issuer: BLOCKED, jwksUri: 'http://10.9.9.9/jwks', audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' },
        ],
      },
    });
  });
  after(async () => {
    await f.close();
    server.close();
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  test('maps a space-separated scope claim, the tenant and azp (Keycloak style)', async () => {
    const token = await sign(keycloak, { iss: KEYCLOAK, aud: 'agentmesh', sub: 'service-account-router', azp: 'router', tenant: 'acme', scope: 'a2a:message:send a2a:tasks:read', jti: 'kc-jti-1' });
    const res = await whoami(f.app, bearer(token));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.principal, { kind: 'external', subject: 'service-account-router', clientId: 'router', tenant: 'acme', scopes: ['a2a:message:send', 'a2a:tasks:read'], tokenId: 'kc-jti-1', expiresAt: Math.floor(T0 / 1000) + 300, issuer: KEYCLOAK });
  });

  test('maps an array scope claim, a nested tenant and a custom subject claim (Okta style)', async () => {
    const token = await sign(okta, { iss: OKTA, aud: 'api://agentmesh', sub: 'ignored', uid: '00u1', cid: '0oa-client', org: { tenant: 'globex' }, scp: ['a2a:tasks:read'] });
    const res = await whoami(f.app, bearer(token));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.principal, { kind: 'external', subject: '00u1', clientId: '0oa-client', tenant: 'globex', scopes: ['a2a:tasks:read'], expiresAt: Math.floor(T0 / 1000) + 300, issuer: OKTA });
  });

  test('caches the issuer JWKS across tokens', async () => {
    const before = fetches;
    for (let i = 0; i < 5; i++) {
      const token = await sign(keycloak, { iss: KEYCLOAK, aud: 'agentmesh', sub: `s${i}`, tenant: 'acme', scope: '' });
      assert.equal((await whoami(f.app, bearer(token))).status, 200);
    }
    assert.equal(fetches, before, 'no refetch while the cached set is fresh');
  });

  test('refuses another audience, a missing tenant, an algorithm the issuer is not allowed, HS256, an unknown kid, expiry, and an unknown issuer', async () => {
    const base = { iss: KEYCLOAK, aud: 'agentmesh', sub: 's', tenant: 'acme', scope: 'x' };
    const cases: Array<[string, Promise<string>, string]> = [
      ['other audience', sign(keycloak, { ...base, aud: 'account' }), 'wrong_audience'],
      ['no tenant', sign(keycloak, { ...base, tenant: undefined }), 'missing_claim'],
      ['RS256 for an ES256-only issuer', sign(keycloak, { ...base, iss: OKTA, aud: 'api://agentmesh', uid: 'u', org: { tenant: 'acme' } }), 'alg_not_allowed'],
      ['HS256', new SignJWT(base).setProtectedHeader({ alg: 'HS256', kid: 'kc-1' }).setExpirationTime(Math.floor(T0 / 1000) + 60).sign(new TextEncoder().encode(JSON.stringify(keycloak.jwk))), 'alg_not_allowed'],
      ['unknown kid', signer('RS256', 'kc-unknown').then((other) => sign(other, base)), 'unknown_key'],
      ['expired', sign(keycloak, { ...base, iat: Math.floor(T0 / 1000) - 3600, exp: Math.floor(T0 / 1000) - 600 }), 'expired'],
      ['no exp', new SignJWT(base).setProtectedHeader({ alg: 'RS256', kid: 'kc-1' }).sign(keycloak.privateKey), 'missing_claim'],
      ['unknown issuer', sign(keycloak, { ...base, iss: 'https://evil.example.test' }), 'wrong_issuer'],
    ];
    for (const [what, token, reason] of cases) {
      const res = await whoami(f.app, bearer(await token));
      assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(reasonOf(res.body), reason, what);
    }
  });

  test('answers 503 when the issuer JWKS is refused by the outbound policy (a configuration error, not the caller’s)', async () => {
    const token = await sign(keycloak, { iss: BLOCKED, aud: 'agentmesh', sub: 's', tenant: 'acme', scope: '' });
    const res = await whoami(f.app, bearer(token));
    assert.equal(res.status, 503);
    assert.match(res.body.error.message, /key set URL is refused by the outbound policy/);
  });
});
