import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposer } from '../../../src/gateway/proxy/disposer.js';

test('releases run newest first, each once, and one that throws does not stop the others', async () => {
  const disposer = new Disposer();
  const order: string[] = [];
  disposer.defer(() => order.push('slot'));
  disposer.defer(() => {
    throw new Error('refund failed');
  });
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
