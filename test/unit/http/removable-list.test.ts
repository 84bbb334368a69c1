import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemovableList } from '../../../src/http/lifecycle/removable-list.js';

test('a RemovableList keeps insertion order and removes exactly the entry its add returned', () => {
  const list = new RemovableList<string>();
  const removeA = list.add('a');
  const removeB = list.add('b');
  const removeC = list.add('c');
  list.add('d');
  assert.deepEqual(list.toArray(), ['a', 'b', 'c', 'd']);
  removeB();
  assert.deepEqual(list.toArray(), ['a', 'c', 'd']);
  removeA();
  removeC();
  assert.deepEqual(list.toArray(), ['d']);
  assert.equal(list.size, 1);
  // Removing twice is a no-op: the neighbours it had are not touched again.
  removeB();
  assert.deepEqual(list.toArray(), ['d']);
  assert.equal(list.size, 1);
});

test('a RemovableList holds the same item twice as two entries', () => {
  const list = new RemovableList<() => void>();
  const hook = (): void => undefined;
  const first = list.add(hook);
  list.add(hook);
  first();
  assert.deepEqual(list.toArray(), [hook]);
});

test("a RemovableList's snapshot survives removals made while it is walked", () => {
  const list = new RemovableList<number>();
  const removers = new Map<number, () => void>();
  for (let i = 0; i < 100; i++) removers.set(i, list.add(i));
  const seen: number[] = [];
  for (const item of list.toArray()) {
    seen.push(item);
    removers.get(item)!();
    removers.get(item + 1)?.();
  }
  assert.equal(seen.length, 100);
  assert.equal(list.size, 0);
  assert.deepEqual(list.toArray(), []);
  // Empty again, it takes new entries at both ends correctly.
  list.add(1);
  list.add(2);
  assert.deepEqual(list.toArray(), [1, 2]);
});

test('a RemovableList matches a model through random adds and removes', () => {
  let seed = 7;
  const random = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const list = new RemovableList<number>();
  const live: Array<{ value: number; remove: () => void }> = [];
  for (let step = 0; step < 5_000; step++) {
    if (live.length === 0 || random() < 0.55) {
      live.push({ value: step, remove: list.add(step) });
    } else {
      const [entry] = live.splice(Math.floor(random() * live.length), 1);
      entry!.remove();
    }
    assert.equal(list.size, live.length);
  }
  assert.deepEqual(list.toArray(), live.map((e) => e.value));
});
