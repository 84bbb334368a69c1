import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detailJson } from '../../../src/audit/detail-json.js';

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'token', '\ud800', '\udbff', '\u0000', 'a'), fc.string({ unit: 'binary', maxLength: 6 }));
const value = fc.object({ key, maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withNullPrototype: true, withSparseArray: true, stringUnit: fc.constantFrom('a', '\ud800', '\u0000', '\ufffd', 'é', '\ud83d\ude00') });

test('detail JSON is storable, parses, and re-normalizes to itself', () => {
  fc.assert(
    fc.property(value, (input) => {
      const json = detailJson(input);
      assert.ok(isWellFormed(json) && !json.includes('\u0000'));
      const parsed = JSON.parse(json) as Record<string, unknown>;
      assert.equal(detailJson(parsed), json);
    }),
    { seed: 15, numRuns: 1000 },
  );
});

test('a key named __proto__ stays data: the stored text has it, and parsing it back pollutes nothing', () => {
  const input = Object.defineProperty({ a: 1 }, '__proto__', { value: { isAdmin: true }, enumerable: true });
  const json = detailJson(input);
  assert.equal(json, '{"__proto__":{"isAdmin":true},"a":1}');
  const parsed = JSON.parse(json) as Record<string, unknown>;
  assert.equal(Object.hasOwn(parsed, '__proto__'), true);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
});

test('keys that normalize alike keep the first in code-unit order, once', () => {
  assert.equal(detailJson(JSON.parse('{"\\udc00":2,"\\ud800":1}') as object), '{"\ufffd":1}');
});

test('a getter that throws makes an "unreadable" marker, not an exception', () => {
  const input = { get boom(): never { throw new Error('no'); } };
  assert.equal(detailJson(input), '{"error":"no","reason":"unreadable","truncated":true}');
});

test('past the hashing bound the walk stops: the marker says so and holds no hash', () => {
  const huge = { blob: 'x'.repeat(33 * 1024 * 1024) };
  // `bytes`: what was read before stopping.
  assert.deepEqual(JSON.parse(detailJson(huge)), { truncated: true, reason: 'size', bytes: '{"blob":""'.length + 33 * 1024 * 1024, complete: false });
});

test('the one-pass detail is the general walk\'s text, byte for byte (fast path)', async () => {
  const { DETAIL_POLICY } = await import('../../../src/audit/detail-json.js');
  const { writeCanonical } = await import('../../../src/audit/canonical-json.js');
  const walk = (v: unknown): string => {
    const parts: string[] = [];
    writeCanonical(v, DETAIL_POLICY, (chunk) => {
      parts.push(chunk);
      return true;
    });
    return parts.join('');
  };
  // Plain JSON with awkward keys and strings (lone surrogates, NUL, secret names) takes the one pass; the rest the walk.
  const plain = fc.jsonValue().chain((j) => fc.dictionary(key, fc.oneof(fc.constant(j), fc.string({ unit: fc.constantFrom('a', '\ud800', '\u0000', '\ufffd', 'é') }))));
  fc.assert(
    fc.property(fc.oneof(plain, value), (v) => {
      const text = walk(v);
      // Small enough to be stored as is: both paths must give that text.
      if (text.length * 3 <= 16 * 1024) assert.equal(detailJson(v), text);
    }),
    { numRuns: 2000 },
  );
  assert.equal(detailJson({ reservedMilliCredits: 5, settled: true, Token: 'x', '\ud800': 1 }), walk({ reservedMilliCredits: 5, settled: true, Token: 'x', '\ud800': 1 }));
  assert.equal(detailJson({ settled: true, reservedMilliCredits: 5 }), '{"reservedMilliCredits":5,"settled":true}');
});

test('keys past the remembered ones are written, redacted and normalized as the first ones are', () => {
  // The plain pass remembers what a few thousand keys are written as; a client may send any number of them.
  for (let i = 0; i < 5_000; i++) assert.equal(detailJson({ [`k${i}`]: i, z: 0 }), `{"k${i}":${i},"z":0}`);
  for (let round = 0; round < 2; round++) {
    assert.equal(detailJson({ Token: 'x', fresh: 1, ['\ud800' + round]: 2 }), `{"Token":"[redacted]","fresh":1,"\ufffd${round}":2}`);
    assert.equal(detailJson({ [`new-${round}`]: 'v', password: 'p' }), `{"new-${round}":"v","password":"[redacted]"}`);
  }
});
