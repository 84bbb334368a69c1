import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EphemeralMap } from '../../../src/storage/ephemeral-map.js';

/** A small deterministic PRNG, so a failure replays. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('an EphemeralMap answers like a Map through thousands of inserts, deletes and rebuilds', () => {
  const random = lcg(42);
  const map = new EphemeralMap<number>();
  const model = new Map<string, number>();
  // Live sizes from a handful up to a few thousand, so rebuilds happen at both thresholds.
  for (let step = 0; step < 50_000; step++) {
    const key = `task-${Math.floor(random() * (step < 25_000 ? 60 : 3_000))}`;
    const op = random();
    if (op < 0.5) {
      assert.equal(map.set(key, step), map);
      model.set(key, step);
    } else if (op < 0.8) {
      assert.equal(map.delete(key), model.delete(key), `delete ${key} at step ${step}`);
    } else {
      assert.equal(map.get(key), model.get(key), `get ${key} at step ${step}`);
      assert.equal(map.has(key), model.has(key));
    }
    assert.equal(map.size, model.size);
  }
  assert.deepEqual(map.values().sort((a, b) => a - b), [...model.values()].sort((a, b) => a - b));
});

test('an EphemeralMap overwrites a key without counting it twice', () => {
  const map = new EphemeralMap<string>();
  map.set('a', 'first').set('a', 'second');
  assert.equal(map.size, 1);
  assert.equal(map.get('a'), 'second');
  assert.equal(map.delete('a'), true);
  assert.equal(map.delete('a'), false);
  assert.equal(map.size, 0);
  assert.equal(map.get('a'), undefined);
});

test("an EphemeralMap's values are a snapshot: deleting while going through them skips nothing", () => {
  const map = new EphemeralMap<number>();
  for (let i = 0; i < 500; i++) map.set(`k${i}`, i);
  const seen: number[] = [];
  for (const value of map.values()) {
    seen.push(value);
    map.delete(`k${value}`);
  }
  assert.equal(seen.length, 500);
  assert.equal(map.size, 0);
});
