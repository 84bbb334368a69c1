import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisposerStack, openWithStack } from '../../../src/http/lifecycle/disposer-stack.js';

test('closes in the reverse order of registration, each awaited before the next', async () => {
  const stack = new DisposerStack();
  const closed: string[] = [];
  for (const name of ['database', 'bus', 'server']) {
    stack.defer(name, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      closed.push(name);
    });
  }
  await stack.closeAll();
  assert.deepEqual(closed, ['server', 'bus', 'database']);
});

test('a failing close does not leak the others; every failure is reported', async () => {
  const stack = new DisposerStack();
  const closed: string[] = [];
  stack.defer('database', () => closed.push('database'));
  stack.defer('bus', () => {
    throw new Error('bus is stuck');
  });
  stack.defer('tracing', () => closed.push('tracing'));
  stack.defer('server', () => Promise.reject(new Error('server refused')));
  const err = await stack.closeAll().then(
    () => assert.fail('closeAll resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AggregateError);
  assert.deepEqual(closed, ['tracing', 'database']);
  assert.deepEqual(
    err.errors.map((e: Error) => e.message),
    ['closing server failed: server refused', 'closing bus failed: bus is stuck'],
  );
  assert.equal((err.errors[1] as Error).cause instanceof Error, true);
});

test('closing twice closes once and returns the same promise', async () => {
  const stack = new DisposerStack();
  let closes = 0;
  stack.defer('bus', () => closes++);
  const first = stack.closeAll();
  assert.equal(stack.closeAll(), first);
  await first;
  await stack.closeAll();
  assert.equal(closes, 1);
  assert.throws(() => stack.defer('late', () => undefined), /already closing/);
});

test('openWithStack closes what a failed opening opened, and rethrows its error', async () => {
  const closed: string[] = [];
  const closeErrors: unknown[] = [];
  const failure = new Error('unreadable key file');
  await assert.rejects(
    openWithStack(async (stack) => {
      stack.defer('database', () => closed.push('database'));
      stack.defer('bus', () => {
        throw new Error('bus close failed');
      });
      throw failure;
    }, (err) => closeErrors.push(err)),
    (err) => err === failure,
  );
  assert.deepEqual(closed, ['database']);
  assert.equal(closeErrors.length, 1);
  assert.ok(closeErrors[0] instanceof AggregateError);
});

test('openWithStack leaves what a successful opening opened to its owner', async () => {
  const closed: string[] = [];
  const stack = await openWithStack(async (s) => {
    s.defer('database', () => closed.push('database'));
    return s;
  }, (err) => assert.fail(String(err)));
  assert.deepEqual(closed, []);
  await stack.closeAll();
  assert.deepEqual(closed, ['database']);
});
