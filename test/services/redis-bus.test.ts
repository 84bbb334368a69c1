import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBus, type Unsubscribe } from '../../src/storage/index.js';
import { REDIS_URL, deleteRedisKey, redisSkipReason, uniqueStreamKey } from '../helpers/services.js';

/** Resolves with the first `count` messages a subscription receives. */
function collect(bus: RedisBus, topic: string, count: number): { messages: unknown[]; done: Promise<unknown[]>; unsubscribe: Unsubscribe } {
  const messages: unknown[] = [];
  let resolve!: (v: unknown[]) => void;
  const done = new Promise<unknown[]>((r) => (resolve = r));
  const unsubscribe = bus.subscribe(topic, (m) => {
    messages.push(m);
    if (messages.length === count) resolve(messages);
  });
  return { messages, done, unsubscribe };
}

const skip = await redisSkipReason();

test('on Redis 7 the bus picks sharded pub/sub by itself', { skip }, async () => {
  const bus = await RedisBus.connect({ url: REDIS_URL, namespace: uniqueStreamKey() });
  try {
    assert.equal(bus.stats().sharded, true);
  } finally {
    await bus.close();
  }
});

// Sharded pub/sub (Redis ≥ 7), and classic pub/sub as on a Redis 6: the same guarantees.
for (const sharded of [true, false]) describe(`RedisBus across two replicas, ${sharded ? 'sharded' : 'classic'} pub/sub`, { skip }, () => {
  let stream: string;
  let a: RedisBus;
  let b: RedisBus;
  beforeEach(async () => {
    stream = uniqueStreamKey();
    a = await RedisBus.connect({ url: REDIS_URL, stream, sharded });
    b = await RedisBus.connect({ url: REDIS_URL, stream, sharded });
    assert.equal(a.stats().sharded, sharded);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await deleteRedisKey(stream);
  });

  test('a message published on A reaches subscribers on both replicas', async () => {
    const onA = collect(a, 'task:1', 1);
    const onB = collect(b, 'task:1', 1);
    await Promise.all([onA.unsubscribe.ready, onB.unsubscribe.ready]);
    await a.publish('task:1', { kind: 'event', seq: 1, nested: { ok: true } });
    assert.deepEqual(await onB.done, [{ kind: 'event', seq: 1, nested: { ok: true } }]);
    assert.deepEqual(await onA.done, [{ kind: 'event', seq: 1, nested: { ok: true } }]);
    assert.equal(a.kind, 'redis');
    await b.ping();
  });

  test('messages on a topic arrive in publish order, and other topics do not leak in', async () => {
    const onB = collect(b, 'ordered', 50);
    const other: unknown[] = [];
    await b.subscribe('elsewhere', (m) => other.push(m)).ready;
    await onB.unsubscribe.ready;
    for (let i = 0; i < 50; i++) {
      // Alternate publishers: order is the stream's, whoever published.
      await (i % 2 === 0 ? a : b).publish('ordered', i);
    }
    assert.deepEqual(await onB.done, Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(other, []);
  });

  test('unsubscribe stops delivery while other subscribers keep receiving', async () => {
    const dropped = collect(b, 'topic', 100);
    const kept = collect(b, 'topic', 2);
    // Subscribed before publishing, so once it fires 'first' was dispatched to every handler.
    const firstSeen = collect(b, 'topic', 1);
    await firstSeen.unsubscribe.ready;
    await a.publish('topic', 'first');
    await firstSeen.done;
    dropped.unsubscribe();
    firstSeen.unsubscribe();
    await a.publish('topic', 'second');
    assert.deepEqual(await kept.done, ['first', 'second']);
    assert.deepEqual(dropped.messages, ['first']);
  });

  test('a message published once the subscription is ready is delivered, every time', async () => {
    const c = await RedisBus.connect({ url: REDIS_URL, stream, sharded });
    try {
      for (let round = 0; round < 20; round++) {
        const got = collect(c, `race:${round}`, 1);
        await got.unsubscribe.ready;
        await a.publish(`race:${round}`, round);
        assert.deepEqual(await got.done, [round]);
        got.unsubscribe();
      }
    } finally {
      await c.close();
    }
  });

  test('messages published before a replica connects are not replayed to it', async () => {
    await a.publish('history', 'old');
    const c = await RedisBus.connect({ url: REDIS_URL, stream, sharded });
    try {
      const got = collect(c, 'history', 1);
      await got.unsubscribe.ready;
      await a.publish('history', 'new');
      assert.deepEqual(await got.done, ['new']);
    } finally {
      await c.close();
    }
  });

  test('close() is clean: it resolves, stops delivery, and leaves the other replica working', async () => {
    const c = await RedisBus.connect({ url: REDIS_URL, stream, sharded });
    const onC: unknown[] = [];
    await c.subscribe('after-close', (m) => onC.push(m)).ready;
    await c.close();
    await assert.rejects(c.ping());
    const onB = collect(b, 'after-close', 1);
    await onB.unsubscribe.ready;
    await a.publish('after-close', 'x');
    assert.deepEqual(await onB.done, ['x']);
    assert.deepEqual(onC, []);
  });

  test('a replica receives only the topics its subscribers follow, and drops a channel with its last subscriber', async () => {
    const followed = collect(b, 'task:followed', 1);
    await followed.unsubscribe.ready;
    const before = b.stats().received;
    for (let i = 0; i < 40; i++) await a.publish(`task:other-${i}`, i);
    await a.publish('task:followed', 'mine');
    assert.deepEqual(await followed.done, ['mine']);
    assert.equal(b.stats().received - before, 1, 'the 40 messages nobody on B follows never reach B');
    assert.equal(b.stats().channels, 1);
    followed.unsubscribe();
    assert.equal(b.stats().channels, 0);
    // Once the SUNSUBSCRIBE is through (a PING on the same connection answers after it), nothing more arrives.
    const again = collect(b, 'task:probe', 1);
    await again.unsubscribe.ready;
    const received = b.stats().received;
    await a.publish('task:followed', 'late');
    await a.publish('task:probe', 'probe');
    await again.done;
    assert.equal(b.stats().received - received, 1, 'only the probe arrives; the dropped channel is silent');
  });
});
