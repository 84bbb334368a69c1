/**
 * The closed calls the leased credit holds remember for idempotent
 * replays: at least the last `max`, at most twice that, the latest value
 * of a key winning, and a deleted key forgotten in either generation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentlyClosed } from '../../../src/gateway/credits/recently-closed.js';

describe('the recently closed calls of the leased credit holds', () => {
  test('the last max keys closed are always found; a key is forgotten once twice max were closed after it', () => {
    const max = 100;
    const closed = new RecentlyClosed<number>(max);
    for (let i = 0; i < 1_000; i++) {
      closed.set(`k${i}`, i);
      for (let back = 0; back < max && back <= i; back++) assert.equal(closed.get(`k${i - back}`), i - back);
      if (i >= 2 * max) assert.equal(closed.get(`k${i - 2 * max}`), undefined);
    }
  });

  test('a key closed again keeps its latest value, and a deleted key is gone from both generations', () => {
    const closed = new RecentlyClosed<string>(2);
    closed.set('a', 'first');
    closed.set('b', 'b');
    closed.set('c', 'c');
    // 'a' and 'b' are the older generation now; 'a' closed again lands in the newer one.
    closed.set('a', 'second');
    assert.equal(closed.get('a'), 'second');
    closed.delete('a');
    assert.equal(closed.get('a'), undefined);
    closed.delete('b');
    assert.equal(closed.get('b'), undefined);
    assert.equal(closed.get('c'), 'c');
  });

  test('a max below one remembers one key', () => {
    const closed = new RecentlyClosed<number>(0);
    closed.set('a', 1);
    assert.equal(closed.get('a'), 1);
  });
});
