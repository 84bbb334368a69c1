import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallFailure } from '../../../../src/orchestrator/calls/call-failure.js';
import { delayAfter, retryPolicy } from '../../../../src/orchestrator/calls/retry-schedule.js';

const schedule = { attempts: 3, initialDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 2_000 };

test('Retry-After lengthens the backoff, up to maxRetryAfterMs', () => {
  assert.equal(delayAfter(new CallFailure('x', { transient: true, retryAfterMs: 1500 }), 10, schedule), 1500);
  assert.equal(delayAfter(new CallFailure('x', { transient: true, retryAfterMs: 90_000 }), 10, schedule), 2000);
  assert.equal(delayAfter(new CallFailure('x', { transient: true, retryAfterMs: 0 }), 10, schedule), 10);
  assert.equal(delayAfter(new Error('x'), 10, schedule), 10);
});

test('transient failures are retried up to the attempts; the rest are not', async () => {
  const policy = retryPolicy(schedule);
  let calls = 0;
  await assert.rejects(policy.execute(() => { calls++; throw new CallFailure('down', { transient: true }); }), { message: 'down' });
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(policy.execute(() => { calls++; throw new CallFailure('bad input', { transient: false }); }), { message: 'bad input' });
  assert.equal(calls, 1);
  calls = 0;
  assert.equal(await policy.execute(() => { if (++calls < 3) throw new CallFailure('blip', { transient: true }); return 'ok'; }), 'ok');
});
