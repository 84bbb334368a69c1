/** The management API: /v1/clients and /v1/api-keys, and who may call it. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, basic, createClient, requestToken, startIdentity, tokenFor } from './identity-fixture.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('management API access', () => {
  const f = startedForSuite(startIdentity);

  test('answers 401 with a Bearer challenge without credentials, and 403 naming the scope without gateway:admin', async () => {
    const anonymous = await f().app.inject({ method: 'GET', url: '/v1/clients' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="agentmesh", scope="gateway:admin"');
    const { token } = await tokenFor(f().app, 'acme', ['a2a:message:send']);
    const weak = await f().app.inject({ method: 'GET', url: '/v1/clients', headers: { authorization: `Bearer ${token}` } });
    assert.equal(weak.statusCode, 403);
    assert.equal(weak.headers['www-authenticate'], 'Bearer realm="agentmesh", error="insufficient_scope", scope="gateway:admin"');
    assert.equal(weak.json().error.message, 'this call needs the gateway:admin scope');
    const wrongAdmin = await f().app.inject({ method: 'GET', url: '/v1/clients', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    assert.equal(wrongAdmin.statusCode, 401);
  });

  test('accepts the bootstrap admin token, a token with gateway:admin, and an API key with it', async () => {
    assert.equal((await f().app.inject({ method: 'GET', url: '/v1/clients', headers: admin })).statusCode, 200);
    const { token } = await tokenFor(f().app, 'ops', ['gateway:admin']);
    assert.equal((await f().app.inject({ method: 'GET', url: '/v1/clients', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    const key = (await f().app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'ops', tenant: 'ops', scopes: ['gateway:admin'] } })).json().key;
    assert.equal((await f().app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': key } })).statusCode, 200);
  });

  test('lets requireScope grant credits:admin to the admin token, and nothing else', async () => {
    const principal = await f().identity.requireScope({ headers: admin }, 'credits:admin');
    assert.deepEqual({ ...principal, scopes: [...principal.scopes] }, { kind: 'client', subject: 'bootstrap-admin-token', clientId: 'bootstrap-admin-token', tenant: '', scopes: ['gateway:admin', 'credits:admin'] });
    await assert.rejects(f().identity.requireScope({ headers: admin }, 'a2a:message:send'), { code: 'AM_ERR_AUTH_FORBIDDEN' });
    await assert.rejects(f().identity.requireScope({ headers: {} }, 'gateway:admin'), { code: 'AM_ERR_AUTH_UNAUTHENTICATED' });
  });
});

describe('/v1/clients', () => {
  const f = startedForSuite(startIdentity);

  test('creates a client: 201, prefixed id, the secret once, never again', async () => {
    const res = await f().app.inject({ method: 'POST', url: '/v1/clients', headers: admin, payload: { name: 'router', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_basic', rateLimit: { requestsPerMinute: 600, burst: 50 } } });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.match(body.client_id, /^amc_[a-z0-9]{20}$/);
    assert.match(body.client_secret, /^amcs_[\w-]{43}$/);
    assert.equal(res.headers.location, `/v1/clients/${body.client_id}`);
    assert.deepEqual({ ...body, client_id: undefined, client_secret: undefined, createdAt: undefined, updatedAt: undefined }, {
      client_id: undefined,
      client_secret: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      name: 'router',
      tenant: 'acme',
      scopes: ['a2a:message:send'],
      audiences: ['agentmesh'],
      authMethod: 'client_secret_basic',
      rateLimit: { requestsPerMinute: 600, burst: 50 },
      status: 'active',
    });
    const shown = await f().app.inject({ method: 'GET', url: `/v1/clients/${body.client_id}`, headers: admin });
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().client_secret, undefined);
    assert.ok(!shown.body.includes(body.client_secret));
    const view = await f().identity.client(body.client_id);
    assert.deepEqual(view?.rateLimit, { requestsPerMinute: 600, burst: 50 });
    assert.equal(await f().identity.client('amc_00000000000000000000'), undefined);
  });

  test('refuses bad input with 400 naming the field', async () => {
    const post = (payload: Record<string, unknown>) => f().app.inject({ method: 'POST', url: '/v1/clients', headers: admin, payload });
    const base = { name: 'x', tenant: 'acme', scopes: [], authMethod: 'client_secret_basic' };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, tenant: 'bad tenant!' }, /^tenant must be/],
      [{ ...base, scopes: ['has space'] }, /^scopes\[0\] must be a scope token/],
      [{ ...base, scopes: ['a', 'a'] }, /^scopes must not list a scope twice/],
      [{ ...base, authMethod: 'client_secret_jwt' }, /authMethod/],
      [{ name: 'x', tenant: 'acme', authMethod: 'client_secret_basic' }, /scopes/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.json().error.message, message, JSON.stringify(payload));
    }
  });

  test('lists by tenant and status, page by page', async () => {
    for (let i = 0; i < 3; i++) await createClient(f().app, { name: `paged ${i}`, tenant: 'paged', scopes: [], authMethod: 'client_secret_post' });
    const page1 = (await f().app.inject({ method: 'GET', url: '/v1/clients?tenant=paged&pageSize=2', headers: admin })).json();
    assert.equal(page1.clients.length, 2);
    assert.ok(page1.nextPageToken);
    const page2 = (await f().app.inject({ method: 'GET', url: `/v1/clients?tenant=paged&pageSize=2&pageToken=${page1.nextPageToken}`, headers: admin })).json();
    assert.equal(page2.clients.length, 1);
    assert.equal(page2.nextPageToken, undefined);
    assert.ok([...page1.clients, ...page2.clients].every((c: any) => c.tenant === 'paged' && c.client_secret === undefined));
    const revoked = (await f().app.inject({ method: 'GET', url: '/v1/clients?status=revoked', headers: admin })).json();
    assert.deepEqual(revoked.clients, []);
  });

  test('rotates and revokes, and answers 404 for an unknown client', async () => {
    const client = await createClient(f().app, { name: 'short-lived', tenant: 'acme', scopes: [], authMethod: 'client_secret_basic' });
    const rotated = await f().app.inject({ method: 'POST', url: `/v1/clients/${client.client_id}/rotate-secret`, headers: admin });
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.equal(rotated.json().previousSecretExpiresAt, new Date(f().clock.now + 3600_000).toISOString(), 'default grace: one hour');
    const revoked = await f().app.inject({ method: 'POST', url: `/v1/clients/${client.client_id}/revoke`, headers: admin });
    assert.equal(revoked.json().status, 'revoked');
    assert.equal(revoked.json().revokedAt, new Date(f().clock.now).toISOString());
    const again = await f().app.inject({ method: 'POST', url: `/v1/clients/${client.client_id}/rotate-secret`, headers: admin });
    assert.equal(again.statusCode, 400);
    assert.match(again.json().error.message, /is revoked/);
    const badGrace = await f().app.inject({ method: 'POST', url: `/v1/clients/${client.client_id}/rotate-secret`, headers: admin, payload: { graceSeconds: -1 } });
    assert.match(badGrace.json().error.message, /^graceSeconds must be a whole number/);
    const missing = await f().app.inject({ method: 'POST', url: '/v1/clients/amc_00000000000000000000/revoke', headers: admin });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.details[0].reason, 'AM_ERR_IDENTITY_CLIENT_NOT_FOUND');
    const token = await requestToken(f().app, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, rotated.json().client_secret) });
    assert.equal(token.status, 401);
  });
});

describe('/v1/api-keys', () => {
  const f = startedForSuite(startIdentity);

  test('creates a key shown once as amk_<id>_<secret>, lists it without the key, rotates with a grace period', async () => {
    const created = await f().app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'reporting', tenant: 'acme', scopes: ['a2a:tasks:read'] } });
    assert.equal(created.statusCode, 201);
    const { id, key } = created.json();
    assert.match(id, /^amk_[a-z0-9]{20}$/);
    assert.ok(key.startsWith(`${id}_`));
    const listed = await f().app.inject({ method: 'GET', url: '/v1/api-keys?tenant=acme', headers: admin });
    assert.deepEqual(listed.json().apiKeys.map((k: any) => k.id), [id]);
    assert.ok(!listed.body.includes(key.slice(id.length + 1)));

    const rotated = await f().app.inject({ method: 'POST', url: `/v1/api-keys/${id}/rotate`, headers: admin, payload: { graceSeconds: 60 } });
    assert.equal(rotated.statusCode, 200);
    const key2 = rotated.json().key;
    assert.ok(key2.startsWith(`${id}_`) && key2 !== key);
    const who = async (k: string) => (await f().app.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'x-api-key': k } })).statusCode;
    // The key itself lacks gateway:admin: 403 proves it authenticated, 401 that it did not.
    assert.equal(await who(key), 403, 'old key within the grace period');
    assert.equal(await who(key2), 403);
    f().clock.advance(61_000);
    assert.equal(await who(key), 401, 'old key after the grace period');
    assert.equal(await who(key2), 403);
  });

  test('refuses an expiry in the past or not in ISO 8601, and answers 404 for an unknown key', async () => {
    const post = (expiresAt: string) => f().app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'x', tenant: 'acme', scopes: [], expiresAt } });
    const past = await post(new Date(f().clock.now - 1000).toISOString());
    assert.equal(past.statusCode, 400);
    assert.match(past.json().error.message, /^expiresAt must be in the future/);
    const loose = await post('March 7');
    assert.match(loose.json().error.message, /^expiresAt must be an ISO 8601 date-time/);
    const missing = await f().app.inject({ method: 'POST', url: '/v1/api-keys/amk_00000000000000000000/revoke', headers: admin });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.details[0].reason, 'AM_ERR_IDENTITY_KEY_NOT_FOUND');
  });
});
