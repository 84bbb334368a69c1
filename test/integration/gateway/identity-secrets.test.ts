/**
 * Acceptance: client secrets, API keys, tokens and the identity secret never
 * appear in clear in the database (file bytes and rows) or in the logs
 * (trace level, every flow that handles them, refusals included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, basic, createClient, form, requestToken, startIdentity } from './identity-fixture.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

test('secrets never appear in clear in the database or the logs', async (t) => {
  const f = await startIdentity();
  let closed = false;
  t.after(async () => {
    if (!closed) await f.close();
  });
  const secrets: Array<[string, string]> = [];
  const keep = (what: string, value: string) => {
    secrets.push([what, value]);
    return value;
  };

  // Clients: create, tokens through both secret methods, a refused method, a rotation, a revocation.
  const basicClient = await createClient(f.app, { name: 'b', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_basic' });
  keep('basic client secret', basicClient.client_secret!);
  keep('basic header', basic(basicClient.client_id, basicClient.client_secret!).slice(6));
  const postClient = await createClient(f.app, { name: 'p', tenant: 'acme', scopes: ['a2a:message:send'], authMethod: 'client_secret_post' });
  keep('post client secret', postClient.client_secret!);
  const t1 = await requestToken(f.app, { grant_type: 'client_credentials' }, { authorization: basic(basicClient.client_id, basicClient.client_secret!) });
  const t2 = await requestToken(f.app, { grant_type: 'client_credentials', client_id: postClient.client_id, client_secret: postClient.client_secret! });
  keep('access token 1', t1.body.access_token);
  keep('access token 2', t2.body.access_token);
  assert.equal((await requestToken(f.app, { grant_type: 'client_credentials', client_id: basicClient.client_id, client_secret: basicClient.client_secret! })).status, 401);
  assert.equal((await requestToken(f.app, { grant_type: 'client_credentials', client_id: postClient.client_id, client_secret: `${postClient.client_secret!}x` })).status, 401);
  await f.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: { grant_type: 'client_credentials', client_id: postClient.client_id, client_secret: postClient.client_secret } });
  const rotated = await f.app.inject({ method: 'POST', url: `/v1/clients/${basicClient.client_id}/rotate-secret`, headers: admin });
  keep('rotated client secret', rotated.json().client_secret);
  await f.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(basicClient.client_id, rotated.json().client_secret) }, payload: form({ token: t1.body.access_token }) });
  await f.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(basicClient.client_id, rotated.json().client_secret) }, payload: form({ token: t1.body.access_token }) });
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { authorization: `Bearer ${t1.body.access_token}` } });
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { authorization: `Bearer ${t2.body.access_token}` } });

  // API keys: create, use, a wrong one, rotate, use the new one, revoke.
  const created = (await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'k', tenant: 'acme', scopes: [] } })).json();
  keep('API key', created.key);
  keep('API key secret part', created.key.slice(created.id.length + 1));
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { 'x-api-key': created.key } });
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { 'x-api-key': `${created.key.slice(0, -2)}zz` } });
  const rotatedKey = (await f.app.inject({ method: 'POST', url: `/v1/api-keys/${created.id}/rotate`, headers: admin })).json().key;
  keep('rotated API key', rotatedKey);
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { 'x-api-key': rotatedKey } });
  await f.app.inject({ method: 'POST', url: `/v1/api-keys/${created.id}/revoke`, headers: admin });
  await f.app.inject({ method: 'GET', url: '/whoami', headers: { 'x-api-key': rotatedKey } });

  keep('admin token', ADMIN_TOKEN);
  keep('identity secret', readFileSync(join(f.dataDir, 'identity-secret'), 'utf8').trim());

  const rows = JSON.stringify(
    await Promise.all(
      (['identity_clients', 'identity_api_keys', 'identity_signing_keys', 'identity_revoked_tokens', 'identity_assertion_jtis', 'identity_state'] as const).map((table) => f.database.db.selectFrom(table).selectAll().execute()),
    ),
  );
  const dbFile = (suffix = '') => (existsSync(join(f.dataDir, `mesh.db${suffix}`)) ? readFileSync(join(f.dataDir, `mesh.db${suffix}`)).toString('latin1') : '');
  const filesBefore = dbFile() + dbFile('-wal');
  const logs = f.logs();
  assert.ok(logs.includes('client registered') && logs.includes('OAuth request refused') && logs.includes('request completed'), 'the flows were logged');

  await f.close().then(() => undefined, () => undefined);
  closed = true;
  for (const [what, value] of secrets) {
    assert.ok(!rows.includes(value), `${what} is in a database row`);
    assert.ok(!filesBefore.includes(value), `${what} is in the database files`);
    assert.ok(!logs.includes(value), `${what} is in the logs`);
  }
});
