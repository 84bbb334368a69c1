import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fullJitterBackoff, parseRetryAfter } from '../../../src/runtime/push/index.js';

describe('fullJitterBackoff', () => {
  test('doubles the ceiling with each attempt', () => {
    const top = (attempt: number): number => fullJitterBackoff({ attempt, baseMs: 1000, maxMs: 300_000, random: () => 1 });
    assert.deepEqual([0, 1, 2, 3, 4].map(top), [1000, 2000, 4000, 8000, 16000]);
  });

  test('scales the ceiling by the random draw (full jitter)', () => {
    assert.equal(fullJitterBackoff({ attempt: 3, baseMs: 1000, maxMs: 300_000, random: () => 0.25 }), 2000);
    assert.equal(fullJitterBackoff({ attempt: 3, baseMs: 1000, maxMs: 300_000, random: () => 0 }), 0);
  });

  test('never exceeds maxMs, even after thousands of attempts', () => {
    assert.equal(fullJitterBackoff({ attempt: 9, baseMs: 1000, maxMs: 300_000, random: () => 1 }), 300_000);
    assert.equal(fullJitterBackoff({ attempt: 5000, baseMs: 1000, maxMs: 300_000, random: () => 0.5 }), 150_000);
  });

  test('defaults to a 1 s base and a 5 min cap', () => {
    assert.equal(fullJitterBackoff({ attempt: 0, random: () => 1 }), 1000);
    assert.equal(fullJitterBackoff({ attempt: 20, random: () => 1 }), 300_000);
  });

  test('clamps a random source that strays outside [0, 1]', () => {
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 1000, maxMs: 10_000, random: () => 7 }), 1000);
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 1000, maxMs: 10_000, random: () => -1 }), 0);
  });
});

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
