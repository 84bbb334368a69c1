import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { actorCount, originOf, readActClaim, readOriginClaim } from '../../../src/gateway/identity/tokens/delegation-claims.js';
import { delegationChain, MAX_DELEGATION_DEPTH, type Actor } from '../../../src/gateway/identity/principal.js';

// eslint-disable-next-line no-control-regex -- control characters are what the claim refuses
const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const actorArb: fc.Arbitrary<Actor> = fc.array(fc.record({ sub: id, agent: fc.option(id, { nil: undefined }) }), { minLength: 1, maxLength: MAX_DELEGATION_DEPTH }).map((hops) => {
  let actor: Actor | undefined;
  for (const hop of hops.reverse()) actor = { sub: hop.sub, ...(hop.agent !== undefined && { agent: hop.agent }), ...(actor !== undefined && { act: actor }) };
  return actor!;
});

describe('the act claim (RFC 8693 §4.1)', () => {
  test('a chain of up to eight actors reads back as written, through JSON (property)', () => {
    fc.assert(
      fc.property(actorArb, (actor) => {
        assert.deepEqual(readActClaim(JSON.parse(JSON.stringify(actor))), actor);
      }),
      { numRuns: 300, seed: 8693 },
    );
  });

  test('anything else is null, never an exception: deeper than eight, no sub, odd members (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const read = readActClaim(value);
        if (read !== null && read !== undefined) assert.ok(actorCount(read) <= MAX_DELEGATION_DEPTH);
      }),
      { numRuns: 500, seed: 7519 },
    );
    let deep: unknown = { sub: 'a' };
    for (let i = 0; i < MAX_DELEGATION_DEPTH; i++) deep = { sub: 'a', act: deep };
    assert.equal(readActClaim(deep), null);
    assert.equal(readActClaim({ agent: 'x' }), null);
    assert.equal(readActClaim({ sub: 'a', agent: 3 }), null);
    assert.equal(readActClaim({ sub: 'a', act: 'b' }), null);
    assert.equal(readActClaim(JSON.parse('{"__proto__": {"sub": "x"}}')), null);
    assert.equal(readActClaim(undefined), undefined);
  });

  test('the chain reads from the top caller to the current actor', () => {
    assert.deepEqual(delegationChain({ subject: 'ada', act: { sub: 'spec', act: { sub: 'orch' } } }), ['ada', 'orch', 'spec']);
    assert.deepEqual(delegationChain({ subject: 'ada' }), ['ada']);
  });
});

describe('the origin claim', () => {
  test('reads what the gateway writes, and refuses anything else', () => {
    assert.deepEqual(readOriginClaim({ kind: 'client', id: 'amc_1', jti: 'j', exp: 10 }), { kind: 'client', id: 'amc_1', jti: 'j', exp: 10 });
    assert.deepEqual(readOriginClaim({ kind: 'external', iss: 'https://sso', exp: 10 }), { kind: 'external', iss: 'https://sso', exp: 10 });
    for (const bad of [null, 'client', { kind: 'root' }, { kind: 'client', exp: -1 }, { kind: 'client', exp: 1.5 }, { kind: 'client', id: '' }, { kind: 'client', jti: 7 }]) {
      assert.equal(readOriginClaim(bad), null, JSON.stringify(bad));
    }
  });

  test('a caller\'s own credential is its own origin; a delegated one keeps the chain\'s', () => {
    assert.deepEqual(originOf({ kind: 'client', subject: 'amc_1', clientId: 'amc_1', tenant: 't', scopes: [], tokenId: 'j', expiresAt: 9 }), { kind: 'client', id: 'amc_1', jti: 'j', exp: 9 });
    assert.deepEqual(originOf({ kind: 'api-key', subject: 'k1', clientId: 'k1', tenant: 't', scopes: [] }), { kind: 'api-key', id: 'k1' });
    assert.deepEqual(originOf({ kind: 'external', subject: 'ada', clientId: 'app', tenant: 't', scopes: [], issuer: 'https://sso', expiresAt: 9 }), { kind: 'external', iss: 'https://sso', exp: 9 });
    const origin = { kind: 'client' as const, id: 'amc_0', jti: 'root', exp: 5 };
    assert.equal(originOf({ kind: 'client', subject: 'amc_0', clientId: 'amc_orch', tenant: 't', scopes: [], act: { sub: 'amc_orch' }, origin }), origin);
  });
});
