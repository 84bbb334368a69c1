/**
 * `authenticateNow`, the gateway's every-call check, answers a token it
 * verified before without a promise, and gives exactly what `authenticate`
 * gives: the same principal, and the same refusals (expired, revoked) thrown
 * at once. Only a token not seen before, or an API key, is waited for.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authFailureReason } from '../../../src/gateway/identity/auth-failure.js';
import { basic, startIdentity, tokenFor, type IdentityFixture } from './identity-fixture.js';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The reason `f` throws with, synchronously: a refusal of a cached token must not wait for anything. */
function thrownReason(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return authFailureReason(err);
  }
  assert.fail('no refusal was thrown');
}

describe('a token seen before is answered at once, as authenticate answers it', () => {
  let f: IdentityFixture;
  before(async () => {
    f = await startIdentity();
  });
  after(async () => {
    await f.close();
  });

  test('no credential: undefined, without a promise', () => {
    assert.equal(f.identity.authenticateNow({ headers: {} }), undefined);
  });

  test('a new token is verified (a promise), then answered at once with the same principal', async () => {
    const { token } = await tokenFor(f.app);
    const first = f.identity.authenticateNow(bearer(token));
    assert.ok(first instanceof Promise, 'a token not seen before has its signature checked');
    const verified = await first;
    const again = f.identity.authenticateNow(bearer(token));
    assert.ok(!(again instanceof Promise), 'a token seen before costs no promise');
    assert.deepEqual(again, verified);
    assert.deepEqual(await f.identity.authenticate(bearer(token)), again);
  });

  test('a cached token past its expiry is refused at once, as authenticate refuses it', async () => {
    const { token } = await tokenFor(f.app);
    await f.identity.authenticateNow(bearer(token));
    f.clock.advance((900 + 30) * 1000);
    try {
      assert.equal(thrownReason(() => f.identity.authenticateNow(bearer(token))), 'expired');
      await assert.rejects(f.identity.authenticate(bearer(token)), (err) => authFailureReason(err) === 'expired');
    } finally {
      f.clock.advance(-(900 + 30) * 1000);
    }
  });

  test('a cached token revoked since is refused at once', async () => {
    const { token, clientId, secret } = await tokenFor(f.app);
    await f.identity.authenticateNow(bearer(token));
    const res = await f.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) }, payload: `token=${token}` });
    assert.equal(res.statusCode, 200);
    assert.equal(thrownReason(() => f.identity.authenticateNow(bearer(token))), 'revoked');
    await assert.rejects(f.identity.authenticate(bearer(token)), (err) => authFailureReason(err) === 'revoked');
  });

  test('a header that is no bearer token, or two credentials, are refused at once', () => {
    assert.equal(thrownReason(() => f.identity.authenticateNow({ headers: { authorization: 'Basic abc' } })), 'unsupported_scheme');
    assert.equal(thrownReason(() => f.identity.authenticateNow({ headers: { authorization: 'Bearer abc', 'x-api-key': 'k' } })), 'ambiguous_credentials');
  });
});
