/**
 * Delegation grants on PostgreSQL (docs/adr/0042-durable-delegation-grants.md,
 * docs/adr/0058-delegation-grant-redemption-retry.md): the one conditional
 * update that redeems a refresh token is what makes a reuse detectable on
 * every replica, so it is pinned on the database fleets run, with the
 * redemptions held side by side on a row lock until both wait on it: two
 * redemptions of one token at once let at most one through and revoke the
 * grant; so do two retries of a token whose answer was lost, while one retry
 * alone is answered; a successor the database refuses leaves the presented
 * token unused; revoking the caller's token reaches the grant.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { basic, createClient, requestToken, startIdentity, tokenFor, type IdentityFixture } from '../integration/gateway/identity-fixture.js';
import { adminQuery, createTestSchema, postgresSkipReason, type TestSchema } from '../helpers/services.js';
import { until } from '../helpers/until.js';

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
  const rotate = async (refreshToken: string) => {
    const res = await refresh(refreshToken);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.refresh_token as string;
  };

  /**
   * Two refreshes of `token` that both read it before either writes: the
   * test holds every refresh token row locked until both wait for the lock
   * (in the update that redeems), then lets them go.
   */
  async function sideBySide(token: string) {
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select token_hash from identity_refresh_tokens for update');
      const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const both = Promise.all([refresh(token), refresh(token)]);
      // The first waiter queues on the row behind the holder, the second behind the first.
      const waiting = `select count(*)::int as n from pg_stat_activity a where $1 = any(pg_blocking_pids(a.pid))
        or exists (select 1 from pg_stat_activity b where $1 = any(pg_blocking_pids(b.pid)) and b.pid = any(pg_blocking_pids(a.pid)))`;
      await until('both redemptions to wait for the locked rows', async () => (await holder.query<{ n: number }>(waiting, [pid])).rows[0]!.n === 2);
      await holder.query('commit');
      return await both;
    } finally {
      await holder.end();
    }
  }

  test('two redemptions of one token at once: at most one is answered, the other is a reuse that revokes the grant, the token of the answered one too', async () => {
    const caller = await tokenFor(f.app);
    const token = await grantFor(caller.token);
    const [a, b] = await sideBySide(token);
    // At most one is answered: when the losing redemption revoked the family before the winner's
    // new token was safe, the winner is refused too (the grant is gone either way).
    assert.ok([a.status, b.status].filter((s) => s === 200).length <= 1, JSON.stringify([a.body, b.body]));
    assert.ok([a, b].some((r) => r.status === 400 && r.body.error === 'invalid_grant' && /used already/.test(r.body.error_description)), JSON.stringify([a.body, b.body]));
    const winner = [a, b].find((r) => r.status === 200);
    if (winner !== undefined) assert.equal((await refresh(winner.body.refresh_token)).body.error, 'invalid_grant', 'the family went with the reuse');
  });

  test('a used token presented again while its successor is unredeemed is a retry; the superseded successor presented later revokes the grant', async () => {
    const caller = await tokenFor(f.app);
    const r1 = await grantFor(caller.token);
    const lost = await rotate(r1);
    const retried = await rotate(r1);
    const reuse = await refresh(lost);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.match(reuse.body.error_description, /used already/);
    assert.equal((await refresh(retried)).body.error, 'invalid_grant', 'the newest token went with the family');
  });

  test('two retries of one token at once: at most one is answered, the other is a reuse that revokes the grant', async () => {
    const caller = await tokenFor(f.app);
    const r1 = await grantFor(caller.token);
    const lost = await rotate(r1);
    const [a, b] = await sideBySide(r1);
    assert.ok([a.status, b.status].filter((s) => s === 200).length <= 1, JSON.stringify([a.body, b.body]));
    assert.ok([a, b].some((r) => r.status === 400 && /used already/.test(r.body.error_description)), JSON.stringify([a.body, b.body]));
    for (const token of [lost, ...[a, b].filter((r) => r.status === 200).map((r) => r.body.refresh_token as string)]) assert.equal((await refresh(token)).body.error, 'invalid_grant');
  });

  test('a successor the database refuses leaves the presented token unused', async () => {
    const caller = await tokenFor(f.app);
    const r1 = await grantFor(caller.token);
    const r2 = await rotate(r1);
    // Refuses every successor from now on (NOT VALID: the rows already there stay).
    await adminQuery(`alter table ${schema.name}.identity_refresh_tokens add constraint refuse_successors check (replaces is null) not valid`);
    try {
      assert.equal((await refresh(r2)).status, 500, 'a refresh whose successor was not stored');
      assert.equal((await refresh(r1)).status, 500, 'a retry whose successor was not stored');
    } finally {
      await adminQuery(`alter table ${schema.name}.identity_refresh_tokens drop constraint refuse_successors`);
    }
    // r2 was not used up by either: its holder goes on, and r1 is no retry any more.
    const r3 = await rotate(r2);
    await rotate(r3);
    assert.match((await refresh(r1)).body.error_description, /used already/);
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
