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

test('a full Bloom filter grows a layer and keeps its false-positive rate under 2%', () => {
  const bloom = new BloomFilter(10_000);
  const keys = Array.from({ length: 70_000 }, () => crypto.randomUUID());
  for (const k of keys) bloom.add(k);
  // 10,000 + 20,000 + 40,000: three layers, where one layer at 7x its capacity would answer "maybe" for most keys.
  assert.equal(bloom.layers, 3);
  assert.equal(bloom.count, 70_000);
  assert.equal(keys.filter((k) => !bloom.mightContain(k)).length, 0);
  let falsePositives = 0;
  for (let i = 0; i < 50_000; i++) if (bloom.mightContain(crypto.randomUUID())) falsePositives++;
  assert.ok(falsePositives / 50_000 < 0.02, `false-positive rate ${falsePositives / 50_000}`);
});
