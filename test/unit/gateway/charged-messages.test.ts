import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChargedMessages } from '../../../src/gateway/charged-messages.js';

test('remembers a charged messageId by agent, tenant and messageId, for the retry window only', () => {
  let now = 1_000;
  const charged = new ChargedMessages({ ttlMs: 60_000, now: () => now });
  charged.charged('worker', 'acme', 'm-1');
  assert.equal(charged.has('worker', 'acme', 'm-1'), true);
  assert.equal(charged.has('worker', 'other', 'm-1'), false, 'another tenant’s repeat is not this one’s');
  assert.equal(charged.has('other', 'acme', 'm-1'), false, 'nor another agent’s');
  assert.equal(charged.has('worker', 'acme', 'm-2'), false);
  now += 60_001;
  assert.equal(charged.has('worker', 'acme', 'm-1'), false, 'forgotten past the window: the runtime would not answer a retry either');
});

test('keys cannot collide across the parts they are made of', () => {
  const charged = new ChargedMessages();
  charged.charged('a', 'b:c', 'd');
  assert.equal(charged.has('a', 'b', 'c:d'), false);
  assert.equal(charged.has('a:b', 'c', 'd'), false);
});

test('keeps at least the newest max entries and at most twice as many, the oldest dropped first', () => {
  const max = 50;
  const charged = new ChargedMessages({ max });
  for (let i = 0; i < 500; i++) {
    charged.charged('w', 't', String(i));
    for (let back = 0; back < max && back <= i; back++) assert.equal(charged.has('w', 't', String(i - back)), true, `${i - back} after ${i}`);
    if (i >= 2 * max) assert.equal(charged.has('w', 't', String(i - 2 * max)), false, `${i - 2 * max} after ${i}`);
  }
});

test('a messageId found is kept with the newest again, as a read kept it in an LRU, its charge time unchanged', () => {
  let now = 1_000;
  const charged = new ChargedMessages({ max: 2, ttlMs: 60_000, now: () => now });
  charged.charged('w', 't', 'a');
  charged.charged('w', 't', 'b');
  // 'a' and 'b' become the older generation with the next, and 'a' would go with the one after.
  charged.charged('w', 't', 'c');
  assert.equal(charged.has('w', 't', 'a'), true);
  charged.charged('w', 't', 'd');
  charged.charged('w', 't', 'e');
  assert.deepEqual(['a', 'b'].map((id) => charged.has('w', 't', id)), [true, false], 'the one read outlives the one not read');
  now += 60_000;
  assert.equal(charged.has('w', 't', 'a'), false, 'kept, but still only for the retry window from its charge');
});
