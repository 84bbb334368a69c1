import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derive, quantileMs, totals } from '../../../console/src/metrics.js';

const le = [0.01, 0.1, 1, -1];

test('a quantile is the upper bound of the bucket that holds its rank, in ms; +Inf reports the largest finite bound', () => {
  assert.equal(quantileMs(le, [0, 0, 0, 0], [90, 99, 100, 100], 0.5), 10);
  assert.equal(quantileMs(le, [0, 0, 0, 0], [90, 99, 100, 100], 0.95), 100);
  assert.equal(quantileMs(le, [0, 0, 0, 0], [0, 0, 0, 4], 0.99), 1000);
  assert.equal(quantileMs(le, [5, 5, 5, 5], [5, 5, 5, 5], 0.5), null, 'no call in the interval');
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
  assert.deepEqual(d.p99, [100, null]);
  assert.deepEqual(totals([]), { calls: 0, errors: 0 });
});
