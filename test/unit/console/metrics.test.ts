import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { derive, quantileMs, totals } from '../../../console/src/metrics.js';

const le = [0.01, 0.1, 1, -1];

const near = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${actual} ≈ ${expected}`);

test('a quantile is interpolated inside the bucket that holds its rank, in ms (no snapping to bounds); +Inf reports the largest finite bound', () => {
  near(quantileMs(le, [0, 0, 0, 0], [90, 99, 100, 100], 0.5), (0.01 * 50) / 90 * 1000);
  // Rank 95 is the 5th of the 9 observations between 10 and 100 ms.
  near(quantileMs(le, [0, 0, 0, 0], [90, 99, 100, 100], 0.95), (0.01 + 0.09 * (5 / 9)) * 1000);
  assert.equal(quantileMs(le, [0, 0, 0, 0], [0, 0, 0, 4], 0.99), 1000);
  assert.equal(quantileMs(le, [5, 5, 5, 5], [5, 5, 5, 5], 0.5), null, 'no call in the interval');
});

test('an interpolated quantile stays within its bucket and grows with q', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (perBucket, qa, qb) => {
      const counts = perBucket.reduce<number[]>((acc, c) => [...acc, (acc[acc.length - 1] ?? 0) + c], []);
      const [lo, hi] = qa <= qb ? [qa, qb] : [qb, qa];
      const a = quantileMs(le, [0, 0, 0, 0], counts, lo);
      const b = quantileMs(le, [0, 0, 0, 0], counts, hi);
      if (counts[3] === 0) return a === null && b === null;
      return a !== null && b !== null && a <= b + 1e-9 && a >= 0 && b <= 1000 + 1e-9;
    }),
  );
});

test('rates are per second between neighbours; the first interval counts from an empty histogram', () => {
  const d = derive([
    { at: 0, calls: { ok: 0, error: 0, denied: 0 }, buckets: { le: [], counts: [] } },
    { at: 10_000, calls: { ok: 18, error: 2, denied: 0 }, buckets: { le, counts: [10, 20, 20, 20] } },
    { at: 20_000, calls: { ok: 18, error: 2, denied: 0 }, buckets: { le, counts: [10, 20, 20, 20] } },
  ]);
  assert.deepEqual(d.times, [10, 20]);
  assert.deepEqual(d.requestsPerSecond, [2, 0]);
  assert.deepEqual(d.errorsPerSecond, [0.2, 0]);
  assert.deepEqual(d.p50, [10, null]);
  near(d.p99[0]!, (0.01 + 0.09 * 0.98) * 1000);
  assert.equal(d.p99[1], null);
  assert.deepEqual(totals([]), { calls: 0, errors: 0, denied: 0 });
  assert.deepEqual(totals([{ at: 0, calls: { ok: 344, error: 1, denied: 8 }, buckets: { le: [], counts: [] } }]), { calls: 353, errors: 1, denied: 8 }, 'denied calls are counted apart from failures');
});
