import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimit } from '../../../src/runtime/concurrency-limit.js';

const queueFull = { code: 'AM_ERR_TASK_QUEUE_FULL', message: 'Agent a is at capacity: 1 tasks running and 1 queued; retry later' };

test('reserve takes a place before the task starts: reservations not yet acquired count against the limit', () => {
  const limit = new ConcurrencyLimit({ name: 'a', max: 1, queueLimit: 1 });
  limit.reserve();
  limit.reserve();
  assert.equal(limit.running + limit.queued, 0, 'nothing acquired yet');
  assert.throws(() => limit.reserve(), queueFull);
});

test('a canceled reservation gives its place back, once', () => {
  const limit = new ConcurrencyLimit({ name: 'a', max: 1, queueLimit: 1 });
  const first = limit.reserve();
  limit.reserve();
  first.cancel();
  first.cancel();
  limit.reserve();
  assert.throws(() => limit.reserve(), queueFull);
});

test('an acquired reservation holds a slot or a queue place until release, in FIFO order', async () => {
  const limit = new ConcurrencyLimit({ name: 'a', max: 1, queueLimit: 1 });
  const running = limit.reserve();
  const waiting = limit.reserve();
  await running.acquire();
  let started = false;
  const second = waiting.acquire().then(() => (started = true));
  assert.deepEqual([limit.running, limit.queued], [1, 1]);
  running.cancel();
  assert.throws(() => limit.reserve(), queueFull, 'canceling after acquire gives nothing back');
  limit.release();
  await second;
  assert.equal(started, true);
  assert.deepEqual([limit.running, limit.queued], [1, 0]);
  limit.reserve();
  assert.throws(() => limit.reserve(), queueFull);
  await assert.rejects(waiting.acquire(), /used twice/);
});

test('acquire without a reservation (a recovered task) is never refused', async () => {
  const limit = new ConcurrencyLimit({ name: 'a', max: 1, queueLimit: 0 });
  await limit.acquire();
  const queued = limit.acquire();
  assert.equal(limit.queued, 1);
  limit.release();
  await queued;
  assert.equal(limit.running, 1);
});
