import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followChanges, MemoryBus } from '../../../src/storage/index.js';

const unexpected = (err: unknown) => assert.fail(`no re-read should fail: ${String(err)}`);

test('reads once at once, again on each announcement, and no more once unsubscribed', async () => {
  const bus = new MemoryBus();
  let reads = 0;
  const unsubscribe = await followChanges(bus, 'rules', async () => void reads++, unexpected);
  assert.equal(reads, 1, 'the first read, before it resolves');
  await bus.publish('rules', {});
  await bus.publish('other', {});
  assert.equal(reads, 2, 'one more for the announcement on its topic');
  unsubscribe!();
  await bus.publish('rules', {});
  assert.equal(reads, 2);
});

test('a failed re-read goes to the callback; a failed first read throws and leaves no subscription', async () => {
  const bus = new MemoryBus();
  const failures: unknown[] = [];
  let fail = false;
  await followChanges(bus, 'rules', async () => {
    if (fail) throw new Error('store down');
  }, (err) => failures.push(err));
  fail = true;
  await bus.publish('rules', {});
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(String(failures[0]), /store down/);

  let reads = 0;
  await assert.rejects(
    followChanges(bus, 'policies', async () => {
      reads++;
      throw new Error('store down');
    }, unexpected),
    /store down/,
  );
  await bus.publish('policies', {});
  assert.equal(reads, 1, 'not subscribed after the failed start');
});

test('without a bus: one read, no subscription', async () => {
  let reads = 0;
  assert.equal(await followChanges(undefined, 'rules', async () => void reads++, unexpected), undefined);
  assert.equal(reads, 1);
});
