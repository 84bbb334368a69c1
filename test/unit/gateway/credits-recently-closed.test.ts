/**
 * The closed calls the leased credit holds remember for idempotent
 * replays: at least the last `max`, at most twice that, the latest value
 * of a key winning, and a deleted key forgotten in either generation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentlyClosed, RecentlyClosedByKind } from '../../../src/gateway/credits/recently-closed.js';

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

  test('kept apart by kind: each kind keeps its own latest max, and a key is found, replaced and deleted in its kind alone', () => {
    const max = 3;
    const closed = new RecentlyClosedByKind<string>(max, (key) => key.startsWith('task/'));
    for (let i = 0; i < 10; i++) closed.set(`task/${i}`, `t${i}`);
    closed.set('call-a', 'a');
    for (let i = 10; i < 20; i++) closed.set(`task/${i}`, `t${i}`);
    // However many task keys closed since, the call key is still there: the latest of its kind.
    assert.equal(closed.get('call-a'), 'a');
    for (let i = 17; i < 20; i++) assert.equal(closed.get(`task/${i}`), `t${i}`);
    assert.equal(closed.get('task/0'), undefined);
    closed.set('task/19', 'again');
    assert.equal(closed.get('task/19'), 'again');
    closed.delete('task/19');
    closed.delete('call-a');
    assert.equal(closed.get('task/19'), undefined);
    assert.equal(closed.get('call-a'), undefined);
    assert.equal(closed.get('task/18'), 't18');
  });

  test('kept apart by kind: the latest max closed of all kinds together are always found', () => {
    const max = 10;
    const closed = new RecentlyClosedByKind<number>(max, (key) => key.startsWith('task/'));
    const keys: string[] = [];
    for (let i = 0; i < 500; i++) {
      const key = (i * 7919) % 3 === 0 ? `call-${i}` : `task/${i}`;
      keys.push(key);
      closed.set(key, i);
      for (let back = 0; back < max && back <= i; back++) assert.equal(closed.get(keys[i - back]!), i - back);
    }
  });
});
