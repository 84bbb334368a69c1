import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionCache } from '../../../src/gateway/assertion-cache.js';
import type { AssertionClaims, Identity, Principal } from '../../../src/gateway/identity/index.js';

/** An identity that signs `<aud>#<n>` (or fails while `failing`), counting its signatures. */
function signer(): { identity: Identity; signed: AssertionClaims[]; failing: { on: boolean } } {
  const signed: AssertionClaims[] = [];
  const failing = { on: false };
  const identity = {
    signAssertion: async (claims: AssertionClaims) => {
      if (failing.on) throw new Error('key ring unavailable');
      signed.push(claims);
      return `${claims.aud}#${signed.length}`;
    },
  } as unknown as Identity;
  return { identity, signed, failing };
}

/** Runs `check` with the clock 31 s on: past half the 60 s lifetime the caches below sign assertions for. */
async function pastHalfLifetime(t: TestContext, check: () => Promise<void>): Promise<void> {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 31_000 });
  try {
    await check();
  } finally {
    t.mock.timers.reset();
  }
}

const caller = (tenant = 't1'): Principal => Object.freeze({ kind: 'client', subject: 'c1', clientId: 'c1', tenant, scopes: Object.freeze(['a2a:message:send']) as string[], tokenId: 'j1' });

describe('assertion cache: the usual call answered at once, by the principal it was made for', () => {
  test('one signature per principal and agent; the same principal object gets it at once', async () => {
    const { identity, signed } = signer();
    const cache = new AssertionCache(identity, 60);
    const principal = caller();
    assert.equal(await cache.getNow(principal, 'a'), 'agentmesh:agent:a#1');
    assert.equal(cache.getNow(principal, 'a'), 'agentmesh:agent:a#1', 'a string, no promise');
    assert.equal(await cache.getNow(principal, 'b'), 'agentmesh:agent:b#2', 'another agent, another audience');
    assert.equal(cache.getNow(caller(), 'a'), 'agentmesh:agent:a#1', 'an equal principal (another object) shares it by key');
    assert.equal(await cache.getNow(caller('t2'), 'a'), 'agentmesh:agent:a#3', 'another tenant: its own');
    assert.equal(signed.length, 3);
  });

  test('the authorization header of the usual call is `Bearer <assertion>`, at once once signed, renewed with it', async (t) => {
    const { identity, signed } = signer();
    const cache = new AssertionCache(identity, 60);
    const principal = caller();
    const first = cache.bearerNow(principal, 'a');
    assert.ok(first instanceof Promise, 'before its signature: a promise');
    assert.equal(await first, 'Bearer agentmesh:agent:a#1');
    assert.equal(cache.bearerNow(principal, 'a'), 'Bearer agentmesh:agent:a#1', 'a string, no promise');
    assert.equal(cache.bearerNow(caller(), 'a'), `Bearer ${String(cache.getNow(principal, 'a'))}`, 'the assertion getNow gives');
    await pastHalfLifetime(t, async () => {
      assert.equal(await cache.bearerNow(principal, 'a'), 'Bearer agentmesh:agent:a#2');
      assert.equal(cache.getNow(principal, 'a'), 'agentmesh:agent:a#2');
    });
    assert.equal(signed.length, 2);
  });

  test('past half its lifetime an assertion is signed again, for every path', async (t) => {
    const { identity, signed } = signer();
    const cache = new AssertionCache(identity, 60);
    const principal = caller();
    await cache.getNow(principal, 'a');
    await pastHalfLifetime(t, async () => {
      assert.equal(await cache.getNow(principal, 'a'), 'agentmesh:agent:a#2');
      assert.equal(cache.getNow(principal, 'a'), 'agentmesh:agent:a#2');
    });
    assert.equal(signed.length, 2);
  });

  test('a failed signature is not remembered: the next call signs again', async () => {
    const { identity, failing } = signer();
    const cache = new AssertionCache(identity, 60);
    const principal = caller();
    failing.on = true;
    await assert.rejects(Promise.resolve(cache.getNow(principal, 'a')), /unavailable/);
    failing.on = false;
    assert.equal(await cache.getNow(principal, 'a'), 'agentmesh:agent:a#1');
  });
});
