/** Signing keys: rotation with pre-publication, replicas sharing one database, encryption at rest, assertions. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { createDatabase } from '../../../src/storage/index.js';
import { createSsrfGuard } from '../../../src/http/index.js';
import { createIdentity } from '../../../src/gateway/identity/index.js';
import { ADMIN_TOKEN, FakeClock, ISSUER, basic, reasonOf, requestToken, startIdentity, tokenFor, whoami, type IdentityFixture } from './identity-fixture.js';

const MIN = 60_000;
const ROTATION = { keyRotationIntervalMs: 60 * MIN, keyPublishLeadMs: 10 * MIN, tokenTtlSeconds: 900, clockToleranceSeconds: 30 };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const kids = (f: IdentityFixture) => f.identity.jwks().keys.map((k) => k.kid);

describe('key rotation', () => {
  test('publishes the successor before it signs, keeps old tokens valid until they expire, then drops the old key', async (t) => {
    const f = await startIdentity({ config: ROTATION });
    t.after(() => f.close());
    const client = await tokenFor(f.app);
    const issue = async () => (await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) })).body.access_token as string;
    const [k1] = kids(f);

    f.clock.advance(50 * MIN);
    await f.identity.sync();
    const published = kids(f);
    assert.equal(published.length, 2, 'the successor is published 10 minutes ahead');
    assert.equal(published[1], k1);
    const k2 = published[0]!;
    const lastOfK1 = await issue();
    assert.equal(decodeProtectedHeader(lastOfK1).kid, k1, 'the old key still signs until the successor activates');

    f.clock.advance(10 * MIN);
    const firstOfK2 = await issue();
    assert.equal(decodeProtectedHeader(firstOfK2).kid, k2);
    assert.deepEqual(kids(f), [k2, k1], 'JWKS lists both');
    assert.equal((await whoami(f.app, bearer(lastOfK1))).status, 200, 'a token of the retired key stays valid');
    assert.equal((await whoami(f.app, bearer(firstOfK2))).status, 200);

    // lastOfK1 expires 15 min after it was issued; k1 stays published until then (plus tolerance).
    f.clock.advance(5 * MIN + 30_000);
    assert.equal(reasonOf((await whoami(f.app, bearer(lastOfK1))).body), 'expired');
    assert.deepEqual(kids(f), [k2, k1]);
    f.clock.advance(10 * MIN);
    await f.identity.sync();
    assert.deepEqual(kids(f), [k2], 'the retired key leaves the JWKS once its last token expired');
    const rows = await f.database.db.selectFrom('identity_signing_keys').select('kid').execute();
    assert.deepEqual(rows.map((r) => r.kid), [k2], 'and the database');
  });

  test('signs with RS256 when configured', async (t) => {
    const f = await startIdentity({ config: { signingAlg: 'RS256' } });
    t.after(() => f.close());
    const { token } = await tokenFor(f.app);
    assert.equal(decodeProtectedHeader(token).alg, 'RS256');
    assert.equal(f.identity.jwks().keys[0]!.kty, 'RSA');
    assert.equal((await whoami(f.app, bearer(token))).status, 200);
  });
});

describe('two identity instances on one database', () => {
  async function pair(t: { after: (fn: () => Promise<void>) => void }): Promise<[IdentityFixture, IdentityFixture]> {
    const clock = new FakeClock();
    const a = await startIdentity({ clock, config: ROTATION });
    const b = await startIdentity({ clock, dataDir: a.dataDir, config: ROTATION });
    t.after(async () => {
      await b.close();
      await a.close();
    });
    return [a, b];
  }

  test('agree on the keys, and each verifies the other’s tokens', async (t) => {
    const [a, b] = await pair(t);
    assert.deepEqual(kids(b), kids(a));
    const fromA = await tokenFor(a.app);
    assert.equal((await whoami(b.app, bearer(fromA.token))).status, 200);
    const fromB = await tokenFor(b.app);
    assert.equal((await whoami(a.app, bearer(fromB.token))).status, 200);
  });

  test('rotate once when both find rotation due together, and a replica picks up the other’s rotation', async (t) => {
    const [a, b] = await pair(t);
    a.clock.advance(50 * MIN);
    await Promise.all([a.identity.sync(), b.identity.sync()]);
    const rows = await a.database.db.selectFrom('identity_signing_keys').select(['kid', 'generation']).orderBy('generation').execute();
    assert.deepEqual(rows.map((r) => r.generation), [1, 2], 'one successor, not two');
    assert.deepEqual(kids(a), kids(b));

    a.clock.advance(11 * MIN);
    await a.identity.sync();
    const { token } = await tokenFor(a.app);
    assert.equal(decodeProtectedHeader(token).kid, rows[1]!.kid);
    assert.equal((await whoami(b.app, bearer(token))).status, 200);
  });

  test('learn a key the other created without waiting for a sync (unknown kid reload)', async (t) => {
    const clock = new FakeClock();
    const a = await startIdentity({ clock, config: ROTATION });
    a.clock.advance(70 * MIN);
    const b = await startIdentity({ clock, dataDir: a.dataDir, config: ROTATION });
    t.after(async () => {
      await b.close();
      await a.close();
    });
    // b started after the rotation point and created the successor; once it signs, a (not synced) meets an unknown kid.
    a.clock.advance(10 * MIN);
    const { token } = await tokenFor(b.app);
    assert.notEqual(decodeProtectedHeader(token).kid, kids(a)[0]);
    assert.equal((await whoami(a.app, bearer(token))).status, 200);
  });

  test('see the other’s revocations at their next sync', async (t) => {
    const [a, b] = await pair(t);
    const client = await tokenFor(a.app);
    const revoked = await tokenFor(a.app);
    const key = (await a.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(ADMIN_TOKEN), payload: { name: 'k', tenant: 'acme', scopes: [] } })).json();
    for (const headers of [bearer(client.token), bearer(revoked.token), { 'x-api-key': key.key }]) assert.equal((await whoami(b.app, headers)).status, 200);

    await a.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(revoked.clientId, revoked.secret) }, payload: `token=${revoked.token}` });
    await a.app.inject({ method: 'POST', url: `/v1/clients/${client.clientId}/revoke`, headers: bearer(ADMIN_TOKEN) });
    await a.app.inject({ method: 'POST', url: `/v1/api-keys/${key.id}/revoke`, headers: bearer(ADMIN_TOKEN) });
    assert.equal((await whoami(b.app, bearer(revoked.token))).status, 200, 'b has not synced yet');

    await b.identity.sync();
    assert.equal(reasonOf((await whoami(b.app, bearer(revoked.token))).body), 'revoked');
    assert.equal(reasonOf((await whoami(b.app, bearer(client.token))).body), 'client_revoked');
    assert.equal(reasonOf((await whoami(b.app, { 'x-api-key': key.key })).body), 'api_key_revoked');
  });
});

describe('signing keys at rest', () => {
  test('are sealed in the database, and another secret cannot open them', async (t) => {
    const f = await startIdentity();
    t.after(() => f.close());
    const rows = await f.database.db.selectFrom('identity_signing_keys').selectAll().execute();
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.match(row.private_key, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.throws(() => createPrivateKey({ key: Buffer.from(row.private_key.split('.')[3]!, 'base64url'), format: 'der', type: 'pkcs8' }));
    assert.ok(!('d' in JSON.parse(row.public_jwk)));

    const logger = createLogger({ level: 'silent' });
    const database = await createDatabase({ sqlitePath: join(f.dataDir, 'mesh.db') });
    try {
      await assert.rejects(
        createIdentity({ database, logger, metrics: createMetrics({ defaultMetrics: false }), guard: createSsrfGuard(), config: { issuer: ISSUER, signingKeyEncryptionSecret: 'a-different-secret-of-32-characters!' } }),
        { code: 'AM_ERR_CONFIG_INVALID', message: /cannot be decrypted: the identity secret/ },
      );
    } finally {
      await database.close();
    }
  });
});

describe('downstream assertions', () => {
  test('verify against jwks() and carry the tenant, scope, actor and task', async (t) => {
    const f = await startIdentity();
    t.after(() => f.close());
    const jwt = await f.identity.signAssertion({ sub: 'amc_caller', tenant: 'acme', scope: 'a2a:message:send', aud: 'https://agents.test/agents/sales', act: 'agentmesh-gateway', taskId: 'task-1' }, 60);
    assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'ES256', kid: f.identity.jwks().keys[0]!.kid, typ: 'agentmesh-assertion+jwt' });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(f.identity.jwks()), { issuer: ISSUER, audience: 'https://agents.test/agents/sales', currentDate: new Date(f.clock.now), typ: 'agentmesh-assertion+jwt' });
    assert.equal(payload.sub, 'amc_caller');
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.scope, 'a2a:message:send');
    assert.deepEqual(payload.act, { sub: 'agentmesh-gateway' });
    assert.equal(payload.task_id, 'task-1');
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.equal(typeof decodeJwt(jwt).jti, 'string');
    await assert.rejects(f.identity.signAssertion({ sub: 'x', tenant: 'acme', scope: '', aud: 'a' }, 3600), { code: 'AM_ERR_IDENTITY_INVALID_ARGUMENT', message: /ttlSeconds/ });
    await assert.rejects(f.identity.signAssertion({ sub: 'x', tenant: '', scope: '', aud: 'a' }, 60), { message: /"tenant"/ });
  });
});
