import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetryAfter } from '../../../src/runtime/push/backoff.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  test('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  test('reads an HTTP-date relative to now', () => {
    assert.equal(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', now), 30_000);
  });

  test('ignores absent, malformed, negative and past values', () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('Sat, 31 May 2025 12:00:00 GMT', now), undefined);
  });
});
