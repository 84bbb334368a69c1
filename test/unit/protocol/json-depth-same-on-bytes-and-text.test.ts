/**
 * The depth scan a request's JSON is bounded by (A2A §3.3.2) reads raw bytes
 * and text with a loop of its own each: both give the depth the one-loop
 * scan they replaced gave, on any input (well-formed JSON, deep nesting,
 * escapes, bytes that are no JSON at all, the stop depth reached or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonDepth, MAX_JSON_DEPTH } from '../../../src/protocol/json-depth.js';

/** The scan as it was: one loop over either kind of input. */
function referenceDepth(bytes: Uint8Array | string, stopAt: number = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  const text = typeof bytes === 'string';
  for (let i = 0; i < bytes.length; i++) {
    const b = text ? bytes.charCodeAt(i) : bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max >= stopAt) return max;
      }
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}

/** JSON-ish text: well-formed values, nested ones, and the structural characters and escapes alone. */
const texts = fc.oneof(
  fc.json({ depthSize: 'large' }),
  fc.integer({ min: 0, max: 150 }).map((n) => `${'['.repeat(n)}"a\\"]"${']'.repeat(n)}`),
  fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\', 'a', ':', ',', 'é', '\u{1f600}'), { maxLength: 80 }).map((chars) => chars.join('')),
);
const stops = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: MAX_JSON_DEPTH + 2 }));

test('the depth of a text is the one-loop scan’s, read as text and as its UTF-8 bytes', () => {
  fc.assert(
    fc.property(texts, stops, (text, stopAt) => {
      const expected = referenceDepth(text, stopAt);
      assert.equal(jsonDepth(text, stopAt), expected);
      const bytes = Buffer.from(text, 'utf8');
      assert.equal(jsonDepth(bytes, stopAt), referenceDepth(bytes, stopAt));
    }),
    { numRuns: 2000 },
  );
});

test('the depth of any bytes is the one-loop scan’s', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), stops, (bytes, stopAt) => {
      assert.equal(jsonDepth(bytes, stopAt), referenceDepth(bytes, stopAt));
    }),
    { numRuns: 2000 },
  );
});
