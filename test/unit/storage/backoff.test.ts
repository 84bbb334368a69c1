import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS } from '../../../src/runtime/push/backoff.js';
import { exponentialBackoff, fullJitterBackoff, pause } from '../../../src/storage/backoff.js';

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

  test("push deliveries' defaults are a 1 s base and a 5 min cap", () => {
    const push = { baseMs: DEFAULT_BACKOFF_BASE_MS, maxMs: DEFAULT_BACKOFF_MAX_MS };
    assert.equal(fullJitterBackoff({ attempt: 0, ...push, random: () => 1 }), 1000);
    assert.equal(fullJitterBackoff({ attempt: 20, ...push, random: () => 1 }), 300_000);
  });

  test('never goes under floorMs (a peer failing fast must not be hammered)', () => {
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 500, maxMs: 10_000, random: () => 0, floorMs: 100 }), 100);
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 500, maxMs: 10_000, random: () => 1, floorMs: 100 }), 500);
  });

  test('clamps a random source that strays outside [0, 1]', () => {
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 1000, maxMs: 10_000, random: () => 7 }), 1000);
    assert.equal(fullJitterBackoff({ attempt: 0, baseMs: 1000, maxMs: 10_000, random: () => -1 }), 0);
  });
});

describe('exponentialBackoff', () => {
  test('doubles from baseMs up to maxMs, without jitter; a negative attempt counts as the first', () => {
    assert.deepEqual([0, 1, 2, 3, 9].map((attempt) => exponentialBackoff({ attempt, baseMs: 100, maxMs: 30_000 })), [100, 200, 400, 800, 30_000]);
    assert.equal(exponentialBackoff({ attempt: -1, baseMs: 100, maxMs: 30_000 }), 100);
    assert.equal(exponentialBackoff({ attempt: 5000, baseMs: 100, maxMs: 30_000 }), 30_000);
  });
});

describe('pause', () => {
  test('resolves true after the delay, false at once when aborted before or during it', async () => {
    assert.equal(await pause(1, new AbortController().signal), true);
    assert.equal(await pause(60_000, AbortSignal.abort()), false);
    const stop = new AbortController();
    const waiting = pause(60_000, stop.signal);
    stop.abort();
    assert.equal(await waiting, false);
  });
});
