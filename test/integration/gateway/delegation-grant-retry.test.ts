/**
 * A delegation grant's redemption may be retried
 * (docs/adr/0058-delegation-grant-redemption-retry.md), on a fake clock: a
 * used refresh token presented again within `delegationGrantRetrySeconds`
 * of its use, while the successor it was exchanged for was never redeemed,
 * is the retry of a redemption whose answer the client never recorded; it
 * is answered like a refresh, and the unredeemed successor is used up.
 * Anything else is a reuse that revokes the grant: the superseded successor
 * presented later, a token whose successor was redeemed, past the window,
 * a window of 0, the loser of two retries at once. Marking a token used and
 * storing its successor is one transaction: a successor that cannot be
 * stored leaves the presented token as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { ISSUER, basic, createClient, requestToken, startIdentity, tokenFor, whoami, type IdentityFixture } from './identity-fixture.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
const REUSED = 'the refresh token was used already: its delegation grant is revoked, and the caller must start again';
/** The retry window in this file, seconds: the default. */
const RETRY = 300;

type Client = { client_id: string; client_secret?: string };

/** The token endpoint as one delegating client of `f` uses it. */
function grantsOf(f: IdentityFixture, client: Client) {
  const as = { authorization: basic(client.client_id, client.client_secret!) };
  return {
    /** A new grant for a fresh caller: its first refresh token. */
    async grant(scopes = ['a2a:message:send', 'a2a:tasks:read']): Promise<string> {
      const caller = await tokenFor(f.app, 'acme', scopes);
      const res = await requestToken(f.app, { grant_type: GRANT, subject_token: caller.token, subject_token_type: ACCESS_TOKEN, requested_token_type: REFRESH_TOKEN }, as);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.access_token as string;
    },
    refresh: (refreshToken: string, extra: Record<string, string> = {}) => requestToken(f.app, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, as),
    /** A refresh that must be answered: the next refresh token and the access token. */
    async rotate(refreshToken: string): Promise<{ refresh_token: string; access_token: string; scope: string }> {
      const res = await requestToken(f.app, { grant_type: 'refresh_token', refresh_token: refreshToken }, as);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    },
  };
}

/** The delegation grant outcomes counted so far, by outcome. */
async function outcomes(f: IdentityFixture): Promise<Record<string, number>> {
  const metric = await f.metrics.registry.getSingleMetric('agentmesh_identity_delegation_grants_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels['outcome']), v.value]));
}

const refusedAsReuse = (res: { status: number; body: any }) => {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.deepEqual(res.body, { error: 'invalid_grant', error_description: REUSED });
};
const refusedAsRevoked = (res: { status: number; body: any }) => {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, 'invalid_grant');
  assert.match(res.body.error_description, /revoked/);
};

describe('a delegation grant redemption retried after its answer was lost', () => {
  let f: IdentityFixture;
  let g: ReturnType<typeof grantsOf>;
  let orchestrator: Client;
  before(async () => {
    f = await startIdentity();
    orchestrator = await createClient(f.app, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic' });
    g = grantsOf(f, orchestrator);
  });
  after(() => f.close());

  test('is answered like a refresh; the successor it replaced, presented later, revokes the whole grant', async () => {
    const r1 = await g.grant();
    const lost = await g.rotate(r1);
    const before = await outcomes(f);
    f.clock.advance(31_000);
    const retried = await g.rotate(r1);
    assert.notEqual(retried.refresh_token, lost.refresh_token, 'a new successor');
    assert.notEqual(retried.refresh_token, r1);
    assert.equal(retried.scope, 'a2a:message:send a2a:tasks:read');
    const claims = (await jwtVerify(retried.access_token, createLocalJWKSet(f.identity.jwks()), { issuer: ISSUER, audience: 'agentmesh', currentDate: new Date(f.clock.now) })).payload;
    assert.deepEqual(claims.act, { sub: orchestrator.client_id });
    assert.equal((claims.origin as { exp: number }).exp, (decodeJwt(lost.access_token).origin as { exp: number }).exp, 'the grant bounds the chain as a refresh does');
    assert.equal((await whoami(f.app, { authorization: `Bearer ${retried.access_token}` })).status, 200, 'the gateway accepts the access token of a retry');
    const counted = await outcomes(f);
    assert.equal((counted['retried'] ?? 0) - (before['retried'] ?? 0), 1);
    assert.equal(counted['refreshed'], before['refreshed'], 'a retry is not counted as a refresh');
    assert.match(f.logs(), /a retried redemption, answered with a new successor/);
    for (const token of [r1, lost.refresh_token, retried.refresh_token]) assert.ok(!f.logs().includes(token.slice(4)), 'no token in the logs');

    // Whoever holds the superseded successor is a second holder: its presentation ends the grant for both.
    refusedAsReuse(await g.refresh(lost.refresh_token));
    refusedAsRevoked(await g.refresh(retried.refresh_token));
    refusedAsRevoked(await g.refresh(r1));
  });

  test('may be retried again while the newest successor is unredeemed, and the grant goes on from the last answer', async () => {
    const r1 = await g.grant();
    await g.rotate(r1);
    await g.rotate(r1);
    const third = await g.rotate(r1);
    const next = await g.rotate(third.refresh_token);
    assert.match(next.refresh_token, /^amr_/);
    refusedAsReuse(await g.refresh(r1));
  });

  test('a token whose successor was redeemed is a reuse (an ancestor of the newest token)', async () => {
    const r1 = await g.grant();
    const r2 = await g.rotate(r1);
    const r3 = await g.rotate(r2.refresh_token);
    refusedAsReuse(await g.refresh(r1));
    refusedAsRevoked(await g.refresh(r3.refresh_token));
  });

  test('past the window since the token was used, a reuse; within it, a retry', async () => {
    const r1 = await g.grant();
    const r2 = await g.rotate(r1);
    f.clock.advance(RETRY * 1000);
    refusedAsReuse(await g.refresh(r1));
    refusedAsRevoked(await g.refresh(r2.refresh_token));

    const s1 = await g.grant();
    await g.rotate(s1);
    f.clock.advance(RETRY * 1000 - 1);
    await g.rotate(s1);
  });

  test('is checked as a refresh: a wider scope is refused and uses nothing up, a narrower one is granted', async () => {
    const r1 = await g.grant();
    const r2 = await g.rotate(r1);
    assert.equal((await g.refresh(r1, { scope: 'a2a:tasks:cancel' })).body.error, 'invalid_scope');
    const narrower = await g.refresh(r1, { scope: 'a2a:tasks:read' });
    assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
    assert.equal(narrower.body.scope, 'a2a:tasks:read');
    refusedAsReuse(await g.refresh(r2.refresh_token));
  });

  test('two retries of one token at once: no two holders go on', async () => {
    const r1 = await g.grant();
    const lost = await g.rotate(r1);
    // One process, one SQLite writer: the two may run one after the other, and then both are answered,
    // the first one's token superseded by the second (PostgreSQL runs them side by side:
    // test/services/delegation-grants-postgres.test.ts pins that at most one is answered there).
    const answers = await Promise.all([g.refresh(r1), g.refresh(r1)]);
    const handedOut = answers.filter((r) => r.status === 200).map((r) => r.body.refresh_token as string);
    for (const r of answers) if (r.status !== 200) refusedAsReuse(r);
    // Each holder goes on with what it was answered: at most one of them can.
    const goneOn = [];
    for (const token of handedOut) {
      const res = await g.refresh(token);
      if (res.status === 200) goneOn.push(res.body.refresh_token as string);
    }
    assert.ok(goneOn.length <= 1, `${goneOn.length} holders went on`);
    if (handedOut.length === 2) {
      // The superseded holder's presentation revoked the grant, the other holder's newest token with it.
      for (const token of [...goneOn, lost.refresh_token, r1]) refusedAsRevoked(await g.refresh(token));
    }
  });

  test('a successor that cannot be stored leaves the presented token unused: the client presents it again', async () => {
    const r1 = await g.grant();
    const r2 = await g.rotate(r1);
    // A fault in the successor's insert (the database refuses the row), after the presented token was marked used in the same transaction.
    await sql`create trigger refuse_successors before insert on identity_refresh_tokens when new.replaces is not null begin select raise(abort, 'the test refuses successors'); end`.execute(f.database.db);
    try {
      assert.equal((await g.refresh(r2.refresh_token)).status, 500, 'a refresh whose successor was not stored');
      assert.equal((await g.refresh(r1)).status, 500, 'a retry whose successor was not stored');
    } finally {
      await sql`drop trigger refuse_successors`.execute(f.database.db);
    }
    const before = await outcomes(f);
    // r2 is still active: a refresh, not a retry of one, and r1's retry did not use r2 up either.
    const r3 = await g.rotate(r2.refresh_token);
    assert.equal((await outcomes(f))['refreshed']! - before['refreshed']!, 1);
    await g.rotate(r3.refresh_token);
  });
});

describe('a delegation grant with a retry window of 0', () => {
  let f: IdentityFixture;
  let g: ReturnType<typeof grantsOf>;
  before(async () => {
    f = await startIdentity({ config: { delegationGrantRetrySeconds: 0 } });
    g = grantsOf(f, await createClient(f.app, { name: 'orchestrator', tenant: 'platform', scopes: ['gateway:delegate', 'a2a:message:send', 'a2a:tasks:read'], authMethod: 'client_secret_basic' }));
  });
  after(() => f.close());

  test('treats every second presentation as a reuse', async () => {
    const r1 = await g.grant();
    const r2 = await g.rotate(r1);
    refusedAsReuse(await g.refresh(r1));
    refusedAsRevoked(await g.refresh(r2.refresh_token));
  });
});
