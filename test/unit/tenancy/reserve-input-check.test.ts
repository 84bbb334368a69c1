import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkReserveInput } from '../../../src/tenancy/credit-ledger.js';
import type { ReserveInput } from '../../../src/tenancy/ledger-types.js';

/** What a check answered: the checked input, or the error's code, message and details. */
function outcome(check: () => ReserveInput): unknown {
  try {
    return { checked: check() };
  } catch (err) {
    const e = err as { code?: string; message: string; details?: unknown };
    return { refused: { code: e.code, message: e.message, details: e.details } };
  }
}

const text = fc.oneof(fc.constantFrom('t1', 'bench', 'a:b', '', 'x'.repeat(513), 'bad\u0001', '-lead'), fc.string({ maxLength: 6 }));
const input = fc.record({
  tenant: fc.oneof(text, fc.constant(undefined), fc.integer()),
  key: fc.oneof(text, fc.constant(undefined)),
  milliCredits: fc.oneof(fc.integer({ min: -2, max: 2000 }), fc.constantFrom(1.5, Number.NaN, '10')),
  agent: text,
  skill: text,
  clientId: fc.oneof(fc.constant(undefined), text),
}) as fc.Arbitrary<ReserveInput>;

const validInput = fc.record({
  tenant: fc.constantFrom('t1', 'bench', 'a.b'),
  key: fc.stringMatching(/^[a-z0-9-]{1,8}$/).map((k) => `bench:t1:${k}`),
  milliCredits: fc.nat({ max: 5000 }),
  agent: fc.constantFrom('bench', 'echo'),
  skill: fc.constantFrom('*', 'echo'),
  clientId: fc.constantFrom(undefined, 'c1'),
}) as fc.Arbitrary<ReserveInput>;

describe('the reserve input check', () => {
  test('answers as the full check whatever input passed before', () => {
    let againstPassed = 0;
    fc.assert(
      fc.property(fc.oneof(validInput, input), input, fc.boolean(), (earlier, later, sameFields) => {
        let passed: ReserveInput;
        try {
          passed = checkReserveInput(earlier);
        } catch {
          return;
        }
        // Often the same tenant, agent, skill and client as the input that passed, as a replica's calls are.
        const next = sameFields ? { ...later, tenant: earlier.tenant, agent: earlier.agent, skill: earlier.skill, clientId: earlier.clientId } : later;
        againstPassed++;
        assert.deepEqual(outcome(() => checkReserveInput(next, passed)), outcome(() => checkReserveInput(next)));
      }),
      { numRuns: 5000 },
    );
    assert.ok(againstPassed > 1000, `only ${againstPassed} inputs checked against one that passed`);
  });
});
