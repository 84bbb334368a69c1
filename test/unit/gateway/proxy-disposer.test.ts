import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposer } from '../../../src/gateway/proxy/disposer.js';

/** A Disposer holding two releases: the older records `slot` in `order`, the newer throws `failure`. */
function slotThenFailure(failure: string): { disposer: Disposer; order: string[] } {
  const disposer = new Disposer();
  const order: string[] = [];
  disposer.defer(() => order.push('slot'));
  disposer.defer(() => {
    throw new Error(failure);
  });
  return { disposer, order };
}

test('releases run newest first, each once, and one that throws does not stop the others', async () => {
  const { disposer, order } = slotThenFailure('refund failed');
  disposer.defer(async () => {
    order.push('stream');
    throw new Error('close failed');
  });
  const errors = await disposer.dispose();
  assert.deepEqual(order, ['stream', 'slot']);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['close failed', 'refund failed']);
  assert.deepEqual(await disposer.dispose(), []);
  assert.deepEqual(order, ['stream', 'slot']);
});

test('synchronous releases are answered synchronously, errors included; an asynchronous one is awaited before the older ones run', async () => {
  const { disposer, order } = slotThenFailure('sync failure');
  const errors = disposer.dispose();
  assert.ok(Array.isArray(errors), 'no promise when every release is synchronous');
  assert.deepEqual(errors.map((e) => (e as Error).message), ['sync failure']);
  assert.deepEqual(order, ['slot']);
  assert.deepEqual(disposer.dispose(), []);

  const mixed = new Disposer();
  let finishAsync!: () => void;
  mixed.defer(() => order.push('oldest'));
  mixed.defer(() => new Promise<void>((resolve) => (finishAsync = resolve)).then(() => order.push('async')));
  mixed.defer(() => order.push('newest'));
  const pending = mixed.dispose();
  assert.ok(pending instanceof Promise);
  // The older release waits for the asynchronous one.
  assert.deepEqual(order.slice(1), ['newest']);
  finishAsync();
  assert.deepEqual(await pending, []);
  assert.deepEqual(order.slice(1), ['newest', 'async', 'oldest']);
});
