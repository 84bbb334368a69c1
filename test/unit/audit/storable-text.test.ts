import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { boundedText, storableText } from '../../../src/audit/storable-text.js';

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

test('lone surrogates and NUL become U+FFFD; pairs and everything else are kept', () => {
  assert.equal(storableText('a\ud800b\udfffc\u0000d'), 'a\ufffdb\ufffdc\ufffdd');
  assert.equal(storableText('\ud83d\ude00 ok'), '\ud83d\ude00 ok');
  const same = 'plain';
  assert.equal(storableText(same), same);
});

test('boundedText is storable, at most max units, and a fixpoint (so storing twice changes nothing)', () => {
  const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.constantFrom('\ud800', '\udc00', '\u0000', '\ud83d\ude00'));
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 80 }), fc.integer({ min: 2, max: 40 }), (value, max) => {
      const out = boundedText(value, max);
      assert.ok(isWellFormed(out) && !out.includes('\u0000'), JSON.stringify(out));
      assert.ok(out.length <= max);
      assert.equal(boundedText(out, max), out);
      if (value.length <= max) assert.equal(out.length, value.length);
    }),
    { seed: 15, numRuns: 2000 },
  );
});
