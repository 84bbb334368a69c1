import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Quotas } from '../../../src/gateway/policy/quotas.js';

test('a quota admits rpm + burst requests in a window, then refuses with Retry-After data', async () => {
  const quotas = new Quotas();
  const check = [{ key: `client:c1:${Math.random()}`, rpm: 5, burst: 2 }];
  for (let i = 0; i < 7; i++) await quotas.admit(check);
  await assert.rejects(quotas.admit(check), (err: any) => {
    assert.equal(err.code, 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
    assert.ok(Number(err.details.retryAfterSeconds) >= 1);
    return true;
  });
});

test('limits of the same rate and different bursts count apart', () => {
  const quotas = new Quotas();
  const key = `client:same:${Math.random()}`;
  // Two counters under one key name: one with no burst, one with a burst of 3.
  const tight = [{ key, rpm: 2, burst: 0 }];
  const loose = [{ key, rpm: 2, burst: 3 }];
  quotas.admitInProcess(tight);
  quotas.admitInProcess(tight);
  assert.throws(() => quotas.admitInProcess(tight), (err: any) => err.code === 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
  for (let i = 0; i < 5; i++) quotas.admitInProcess(loose);
  assert.throws(() => quotas.admitInProcess(loose), (err: any) => err.code === 'AM_ERR_GATEWAY_QUOTA_EXCEEDED');
});

test('each key counts on its own; the tightest limit is reported', async () => {
  const quotas = new Quotas();
  const a = { key: `client:a:${Math.random()}`, rpm: 3, burst: 0 };
  const t = { key: `tenant:t:${Math.random()}`, rpm: 100, burst: 0 };
  const state = await quotas.admit([a, t]);
  assert.deepEqual({ limit: state!.limit, remaining: state!.remaining }, { limit: 3, remaining: 2 });
  await quotas.admit([{ ...a, key: `client:b:${Math.random()}` }]);
  const again = await quotas.admit([a, t]);
  assert.equal(again!.remaining, 1);
});

test('a quota script reply of another shape is refused (the caller then limits in memory); a well-formed one is read per check', async () => {
  const { readQuotaReply } = await import('../../../src/gateway/policy/quota-script.js');
  for (const bad of [null, 'OK', [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, '4'], [0, 1, 2, 3, 4, 5]]) assert.throws(() => readQuotaReply(bad, 1));
  assert.deepEqual(readQuotaReply([2, 5, -3, -3, 0, 101, 40_000, -3, 0], 2), {
    refused: 1,
    checks: [
      { used: 5, ttlMs: undefined, burstTtlMs: undefined, granted: 0 },
      { used: 101, ttlMs: 40_000, burstTtlMs: undefined, granted: 0 },
    ],
  });
  assert.deepEqual(readQuotaReply([0, 640, -3, -3, 64], 1), { refused: undefined, checks: [{ used: 640, ttlMs: undefined, burstTtlMs: undefined, granted: 64 }] });
});

test('a claim is a hundredth of the limit, at most 64 and at least one request', async () => {
  const { quotaBlockOf } = await import('../../../src/gateway/policy/quota-script.js');
  assert.deepEqual(
    [1, 60, 199, 200, 1000, 6400, 10_000, 10_000_000].map((rpm) => quotaBlockOf({ rpm })),
    [1, 1, 1, 2, 10, 64, 64, 64],
  );
});
