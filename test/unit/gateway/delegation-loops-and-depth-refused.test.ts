import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { delegationRefusal } from '../../../src/gateway/proxy/delegation-guard.js';
import { actorCount } from '../../../src/gateway/identity/tokens/delegation-claims.js';
import { MAX_DELEGATION_DEPTH, type Actor } from '../../../src/gateway/identity/principal.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { ErrorCodes, Errors, WIRE } from '../../../src/protocol/index.js';

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
/** One actor as a token carries it: a client, and the agent it acted as when it exchanged an assertion. */
const hop = fc.record({ sub: name, agent: fc.option(name, { nil: undefined }) });

/** A chain of `hops`, the first actor innermost (RFC 8693 §4.1: the current actor outermost). */
function chainOf(hops: ReadonlyArray<{ sub: string; agent: string | undefined }>): Actor | undefined {
  let actor: Actor | undefined;
  for (const h of hops) actor = { sub: h.sub, ...(h.agent !== undefined && { agent: h.agent }), ...(actor !== undefined && { act: actor }) };
  return actor;
}

describe('the delegation guard', () => {
  test('any chain in which an actor acted as the target is refused as a loop, whatever the depth allowed (property)', () => {
    fc.assert(
      fc.property(fc.array(hop, { maxLength: MAX_DELEGATION_DEPTH - 1 }), name, fc.nat(), fc.integer({ min: 1, max: MAX_DELEGATION_DEPTH }), (hops, target, at, maxDepth) => {
        const looping = [...hops];
        looping.splice(at % (hops.length + 1), 0, { sub: 'amc_someone', agent: target });
        const refusal = delegationRefusal(chainOf(looping), target, maxDepth);
        assert.equal(refusal?.reason, 'loop');
        assert.ok(refusal.reason === 'loop' && refusal.agents.includes(target), 'the refusal names the agents of the chain');
      }),
      { numRuns: 400, seed: 74 },
    );
  });

  test('a chain without the target is refused exactly when it holds more actors than allowed (property)', () => {
    fc.assert(
      fc.property(fc.array(hop, { maxLength: MAX_DELEGATION_DEPTH }), name, fc.integer({ min: 1, max: MAX_DELEGATION_DEPTH }), (hops, target, maxDepth) => {
        const act = chainOf(hops.filter((h) => h.agent !== target));
        const depth = actorCount(act);
        const refusal = delegationRefusal(act, target, maxDepth);
        if (depth > maxDepth) assert.deepEqual(refusal, { reason: 'depth', depth });
        else assert.equal(refusal, undefined);
      }),
      { numRuns: 400, seed: 8693 },
    );
  });

  test('a caller acting for itself has no chain and passes; A → B → A is refused, A → B → C is not', () => {
    assert.equal(delegationRefusal(undefined, 'alpha', 1), undefined);
    const aThenB = chainOf([{ sub: 'amc_a', agent: 'alpha' }, { sub: 'amc_b', agent: 'beta' }]);
    assert.deepEqual(delegationRefusal(aThenB, 'alpha', 4), { reason: 'loop', agents: ['alpha', 'beta'] });
    assert.equal(delegationRefusal(aThenB, 'gamma', 4), undefined);
    // An actor that exchanged a token of its own names no agent: it is counted, never matched.
    assert.equal(delegationRefusal(chainOf([{ sub: 'alpha', agent: undefined }]), 'alpha', 4), undefined);
  });

  test('the refusal is a permission denial with its reason in the error details, and the default depth is 4 of at most 8', () => {
    const loop = Errors.delegationLoop({ agent: 'alpha', chain: 'alpha → beta → alpha' });
    assert.equal(loop.code, ErrorCodes.GATEWAY_DELEGATION_REFUSED);
    assert.deepEqual(loop.details, { agent: 'alpha', chain: 'alpha → beta → alpha', refused: 'loop' });
    assert.equal(Errors.delegationTooDeep({ agent: 'x', depth: 5, max: 4 }).details?.['refused'], 'depth');
    assert.deepEqual([WIRE[loop.code].http, WIRE[loop.code].status], [403, 'PERMISSION_DENIED']);
    assert.equal(parseGatewayConfig({}).delegationMaxDepth, 4);
    assert.throws(() => parseGatewayConfig({ delegationMaxDepth: MAX_DELEGATION_DEPTH + 1 }), /delegationMaxDepth/);
    assert.throws(() => parseGatewayConfig({ delegationMaxDepth: 0 }), /delegationMaxDepth/);
  });
});
