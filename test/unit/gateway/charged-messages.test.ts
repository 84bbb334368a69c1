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

test('keeps at most max entries, the oldest dropped first', () => {
  const charged = new ChargedMessages({ max: 2 });
  charged.charged('w', 't', '1');
  charged.charged('w', 't', '2');
  charged.charged('w', 't', '3');
  assert.deepEqual(['1', '2', '3'].map((id) => charged.has('w', 't', id)), [false, true, true]);
});
