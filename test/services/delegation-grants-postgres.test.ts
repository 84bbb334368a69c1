/**
 * Delegation grants on PostgreSQL (docs/adr/0042-durable-delegation-grants.md):
 * the one conditional update that redeems a refresh token is what makes a
 * reuse detectable on every replica, so it is pinned on the database fleets
 * run: two redemptions of one token at once let one through and revoke the
 * grant, and revoking the caller's token reaches the grant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, createClient, requestToken, startIdentity, tokenFor, type IdentityFixture } from '../integration/gateway/identity-fixture.js';
import { createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';

const skip = await postgresSkipReason();
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';

describe('delegation grants on PostgreSQL', { skip }, () => {
  let schema: TestSchema;
  let f: IdentityFixture;
  let orchestrator: { client_id: string; client_secret?: string };
  before(async () => {
    schema = await createTestSchema();
    f = await startIdentity({ databaseUrl: schema.url });
    orchestrator = await createClient(f.app, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic' });
  });
  after(async () => {
    await f?.close();
    await schema?.drop();
  });

  const as = () => ({ authorization: basic(orchestrator.client_id, orchestrator.client_secret!) });
  const grantFor = async (subjectToken: string) => {
    const res = await requestToken(f.app, { grant_type: GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, requested_token_type: REFRESH_TOKEN }, as());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token as string;
  };
  const refresh = (refreshToken: string) => requestToken(f.app, { grant_type: 'refresh_token', refresh_token: refreshToken }, as());

  test('two redemptions of one token at once: at most one is answered, the other is a reuse that revokes the grant, the token of the answered one too', async () => {
    const caller = await tokenFor(f.app);
    const token = await grantFor(caller.token);
    const [a, b] = await Promise.all([refresh(token), refresh(token)]);
    // At most one is answered: when the losing redemption revoked the family before the winner's
    // new token was safe, the winner is refused too (the grant is gone either way).
    assert.ok([a.status, b.status].filter((s) => s === 200).length <= 1, JSON.stringify([a.body, b.body]));
    assert.ok([a, b].some((r) => r.status === 400 && r.body.error === 'invalid_grant' && /used already/.test(r.body.error_description)), JSON.stringify([a.body, b.body]));
    const winner = [a, b].find((r) => r.status === 200);
    if (winner !== undefined) assert.equal((await refresh(winner.body.refresh_token)).body.error, 'invalid_grant', 'the family went with the reuse');
  });

  test("revoking the caller's token revokes the grant", async () => {
    const caller = await tokenFor(f.app);
    const token = await grantFor(caller.token);
    const revoke = await f.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(caller.clientId, caller.secret) }, payload: new URLSearchParams({ token: caller.token }).toString() });
    assert.equal(revoke.statusCode, 200);
    const res = await refresh(token);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /revoked/);
  });
});
