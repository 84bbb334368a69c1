import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpendLines } from '../../../src/gateway/spend-line.js';
import type { LeaseSpend } from '../../../src/tenancy/index.js';

/**
 * The answer journal's settlement line is written without one JSON.stringify of its nested arrays
 * (spend-line.ts): whatever the values, and whatever line came before (the parts that repeat are kept
 * from it), it must be the very text JSON.stringify writes, which the replay parses (ADR 0063).
 */
const expected = (lease: string, s: LeaseSpend): string =>
  JSON.stringify(['S', lease, [s.key, s.tenant, s.agent, s.skill, s.clientId ?? null, s.held, s.charged, s.requested, s.state ?? null, s.createdAt]]);

// Any UTF-16 text (lone surrogates, quotes, backslashes, control characters), and the usual plain ones, so lines repeat parts.
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', 'é', '\u2028', 'a') }), fc.constantFrom('acme', 'worker', '*', 'task/worker:acme:t-1'));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 1.5e-7, 1_795_837_183_084));
const spend = fc.record({
  key: text,
  tenant: text,
  agent: text,
  skill: text,
  clientId: fc.option(text, { nil: undefined }),
  held: number,
  charged: number,
  requested: number,
  state: fc.option(text, { nil: undefined }),
  createdAt: number,
});

test('a settlement line is the text JSON.stringify writes for its values, line after line', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(text, fc.constant('lease:r1:l1')), spend), { minLength: 1, maxLength: 20 }), (lines) => {
      const spendLines = new SpendLines();
      for (const [lease, s] of lines) assert.equal(spendLines.line(lease, s), expected(lease, s));
    }),
    { numRuns: 500 },
  );
});

test('a line repeating the last one but for one value writes that value anew', () => {
  const spendLines = new SpendLines();
  const first: LeaseSpend = { key: 'task/w:acme:t-1', tenant: 'acme', agent: 'w', skill: '*', clientId: 'c', held: 10, charged: 7, requested: 7, state: 'completed', createdAt: 1_795_837_183_084 };
  assert.equal(spendLines.line('lease:r:1', first), expected('lease:r:1', first));
  for (const change of [{ tenant: 'other' }, { agent: 'v' }, { skill: 's' }, { clientId: undefined }, { state: undefined }, { state: 'failed' }, { createdAt: 1_795_837_183_085 }, { key: 'task/w:acme:"t-2"' }]) {
    const next = { ...first, ...change };
    assert.equal(spendLines.line('lease:r:1', next), expected('lease:r:1', next), JSON.stringify(change));
    assert.equal(spendLines.line('lease:r:2', first), expected('lease:r:2', first));
  }
});
