import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { MemoryQuotaWindows } from '../../../src/gateway/policy/memory-quota-windows.js';

/**
 * The in-memory quota counted with rate-limiter-flexible (RateLimiterMemory,
 * with a BurstyRateLimiter when there is a burst) before it was counted
 * synchronously: the same requests at the same instants must be admitted or
 * refused alike, with the same requests left and the same time to the next
 * window, whatever the limit, burst, keys and pauses.
 */
const WINDOW_MS = 60_000;

async function reference(limiter: RateLimiterMemory | BurstyRateLimiter, key: string): Promise<{ admitted: boolean; remaining: number; msBeforeNext: number }> {
  try {
    const res = await limiter.consume(key, 1);
    return { admitted: true, remaining: Math.max(0, res.remainingPoints), msBeforeNext: res.msBeforeNext };
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    return { admitted: false, remaining: 0, msBeforeNext: err.msBeforeNext };
  }
}

test('the synchronous windows admit, refuse and report what rate-limiter-flexible did, request for request', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), pauseMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 * WINDOW_MS })) }), { minLength: 1, maxLength: 60 }),
      async (limit, burst, requests) => {
        mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 });
        try {
          const main = new RateLimiterMemory({ keyPrefix: 'q', points: limit, duration: WINDOW_MS / 1000 });
          const expected = burst > 0 ? new BurstyRateLimiter(main, new RateLimiterMemory({ keyPrefix: 'b', points: burst, duration: WINDOW_MS / 1000 })) : main;
          const windows = new MemoryQuotaWindows(limit, burst, WINDOW_MS);
          for (const { key, pauseMs } of requests) {
            if (pauseMs > 0) mock.timers.tick(pauseMs);
            const want = await reference(expected, key);
            const got = windows.charge(key, Date.now());
            assert.deepEqual(got, want, `limit ${limit}, burst ${burst}, key ${key}`);
          }
        } finally {
          mock.timers.reset();
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a window that ended is forgotten by its timer, and the next request opens a new one', () => {
  mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 5_000 });
  try {
    const windows = new MemoryQuotaWindows(1, 0, WINDOW_MS);
    assert.equal(windows.charge('k', Date.now()).admitted, true);
    assert.equal(windows.charge('k', Date.now()).admitted, false);
    mock.timers.tick(WINDOW_MS);
    const next = windows.charge('k', Date.now());
    assert.deepEqual(next, { admitted: true, remaining: 0, msBeforeNext: WINDOW_MS });
  } finally {
    mock.timers.reset();
  }
});
