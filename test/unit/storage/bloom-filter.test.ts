import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BloomFilter } from '../../../src/storage/sqlite/bloom-filter.js';

test('a Bloom filter never forgets a key it was given', () => {
  const bloom = new BloomFilter(10_000);
  const keys = Array.from({ length: 10_000 }, (_, i) => `agent\u0000tenant\u0000message-${i}`);
  for (const k of keys) bloom.add(k);
  assert.equal(keys.filter((k) => !bloom.mightContain(k)).length, 0);
});

test('a Bloom filter at capacity answers "maybe" for about 1% of unseen keys', () => {
  const bloom = new BloomFilter(10_000);
  for (let i = 0; i < 10_000; i++) bloom.add(crypto.randomUUID());
  let falsePositives = 0;
  for (let i = 0; i < 20_000; i++) if (bloom.mightContain(crypto.randomUUID())) falsePositives++;
  assert.ok(falsePositives / 20_000 < 0.02, `false-positive rate ${falsePositives / 20_000}`);
});

test('a Bloom filter reports when it holds more than twice its capacity', () => {
  const bloom = new BloomFilter(1024);
  for (let i = 0; i < 2048; i++) bloom.add(String(i));
  assert.equal(bloom.overfull, false);
  bloom.add('one more');
  assert.equal(bloom.overfull, true);
});
