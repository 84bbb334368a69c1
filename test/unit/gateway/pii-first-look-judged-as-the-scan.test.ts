import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PII_ACTIONS, type PiiAction } from '../../../src/gateway/policy/pii-policy.js';
import { PII_KINDS, type PiiKind } from '../../../src/gateway/policy/pii-detectors.js';
import { resolvePiiPolicy } from '../../../src/gateway/policy/pii-policy.js';
import { scanMessage, scanMessageInFull, type PiiScanLimits } from '../../../src/gateway/policy/pii.js';

/** Strings near every detector's edge: the kinds as written, their pieces, digits short of six, plain words, nothing. */
const piece = fc.constantFrom('a@b.io', 'x@', '@', '4111 1111 1111 1111', '+1 415 555 2671', '123-45-6789', 'AB 12 34 56 C', '12345', '42', '7946', 'score', 'lead', ' ', '', 'é中😀');
const text = fc.oneof(
  fc.array(piece, { maxLength: 5 }).map((pieces) => pieces.join(' ')),
  fc.string({ maxLength: 24 }),
  fc.constantFrom('score lead 42', 'x'.repeat(60), `${'y'.repeat(59)}1`),
);
/** Data values: strings, other scalars, arrays and objects nested a few levels (past a small maxDepth). */
const dataValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.constantFrom<unknown>(null, 0, 123456789, true),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'email', '__proto__', 'n', 'parts'), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const part = fc.oneof(
  { weight: 6, arbitrary: fc.record({ text }) },
  { weight: 3, arbitrary: fc.record({ data: dataValue }) },
  { weight: 2, arbitrary: fc.record({ text: fc.oneof(text, fc.constant(7)), data: dataValue, url: text }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.oneof(text, fc.constant(null), fc.constant([])) },
);
const parts = fc.array(part, { maxLength: 4 });
const message = fc.oneof(
  { weight: 6, arbitrary: fc.record({ messageId: fc.string({ maxLength: 4 }), parts }) },
  { weight: 2, arbitrary: fc.record({ content: parts }) },
  { weight: 1, arbitrary: fc.record({ parts: fc.oneof(text, fc.constant(null)), content: parts }) },
  { weight: 1, arbitrary: fc.anything({ withObjectString: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }) },
);
/** One to three policies, each of some kinds (or all) and an action: what a call's default, tenant and agent resolve to. */
const policy = fc
  .array(fc.record({ action: fc.constantFrom<PiiAction>(...PII_ACTIONS), kinds: fc.option(fc.subarray<PiiKind>([...PII_KINDS], { minLength: 1 }), { nil: undefined }) }), { minLength: 1, maxLength: 3 })
  .map((policies) => resolvePiiPolicy(policies.map((p) => (p.kinds === undefined ? { action: p.action } : { action: p.action, kinds: p.kinds })))!);
/** The gateway's bounds, and small ones a message of the generated size reaches (a string that uses the budget up exactly, or one more). */
const limits = fc.oneof(fc.constant<PiiScanLimits>({ maxDepth: 32, maxChars: 1_048_576 }), fc.record({ maxDepth: fc.integer({ min: 1, max: 4 }), maxChars: fc.integer({ min: 1, max: 80 }) }));

describe('PII scan: the first look and the scanner', () => {
  test('answer the same scan, or the first look leaves the message to the scanner (property)', () => {
    let firstLook = 0;
    fc.assert(
      fc.property(message, policy, limits, (m, resolved, bounds) => {
        const answer = scanMessage(m, resolved, bounds);
        assert.deepEqual(answer, scanMessageInFull(m, resolved, bounds));
        // The shared answer is one object: the same twice means the first look answered.
        if (scanMessage(m, resolved, bounds) === answer) firstLook++;
      }),
      { numRuns: 20_000 },
    );
    // The generated messages take both ways, not only the scanner's.
    assert.ok(firstLook > 2000 && firstLook < 18_000, `the first look answered ${firstLook} of 20,000`);
  });

  test('answers a message with nothing to find with one shared, frozen scan', () => {
    const resolved = resolvePiiPolicy([{ action: 'log' }])!;
    const first = scanMessage({ parts: [{ text: 'score lead 42' }, { data: { n: 1, list: ['a', 'b'] } }] }, resolved);
    assert.equal(scanMessage({ parts: [{ text: 'another text, 12345' }] }, resolved), first);
    assert.deepEqual(first, { counts: {}, total: 0, action: undefined, locations: [], incomplete: false });
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.counts) && Object.isFrozen(first.locations));
    assert.notEqual(scanMessage({ parts: [{ text: 'mail a@b.io' }] }, resolved).total, 0);
  });
});
