import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BloomFilter, WindowedBloomFilter } from '../../../src/storage/sqlite/bloom-filter.js';

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

test('a windowed Bloom filter keeps a key for at least one window and forgets it after two', () => {
  const hour = 3_600_000;
  const bloom = new WindowedBloomFilter({ capacity: 1024, windowMs: 25 * hour, now: 0 });
  bloom.add('early', 0);
  bloom.add('late', 24 * hour);
  // The first generation ends at 25 h: both keys move to the older one.
  bloom.add('next day', 26 * hour);
  assert.ok(bloom.mightContain('early') && bloom.mightContain('late') && bloom.mightContain('next day'));
  assert.equal(bloom.count, 3);
  // At 51 h the generation holding 'early' and 'late' (added up to 24 h) is dropped; 'next day' stays.
  bloom.add('later still', 51 * hour);
  assert.ok(bloom.mightContain('next day') && bloom.mightContain('later still'));
  assert.equal(bloom.count, 2);
  let stale = 0;
  for (let i = 0; i < 200; i++) if (bloom.mightContain(`unseen-${i}`)) stale++;
  // Two keys in a 1,024-key filter: a false positive on either is below one in a billion.
  assert.equal(bloom.mightContain('early'), false);
  assert.equal(bloom.mightContain('late'), false);
  assert.ok(stale < 10, `false positives ${stale}/200`);
});

test('a windowed Bloom filter idle for two windows drops both generations', () => {
  const bloom = new WindowedBloomFilter({ capacity: 1024, windowMs: 1000, now: 0 });
  for (let i = 0; i < 100; i++) bloom.add(`k-${i}`, 10);
  bloom.add('after a long pause', 5_000);
  assert.equal(bloom.count, 1);
  assert.equal(bloom.mightContain('k-1') && bloom.mightContain('k-2') && bloom.mightContain('k-3'), false);
});
