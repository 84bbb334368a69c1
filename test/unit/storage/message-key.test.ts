import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageKey } from '../../../src/storage/message-key.js';

test('messageKey is a stable non-negative safe integer below 2^52', () => {
  const key = messageKey('agent', 'tenant', 'message-1');
  assert.equal(key, messageKey('agent', 'tenant', 'message-1'));
  assert.ok(Number.isSafeInteger(key) && key >= 0 && key < 2 ** 52);
});

test('messageKey separates agent, tenant and message id', () => {
  assert.notEqual(messageKey('ab', 'c', 'm'), messageKey('a', 'bc', 'm'));
  assert.notEqual(messageKey('a', '', 'm1'), messageKey('a', '', 'm2'));
});

test('messageKey spreads 100 000 random ids without collisions', () => {
  const keys = new Set(Array.from({ length: 100_000 }, () => messageKey('a', '', crypto.randomUUID())));
  assert.equal(keys.size, 100_000);
});
