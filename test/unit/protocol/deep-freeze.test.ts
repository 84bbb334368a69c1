import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepFreeze } from '../../../src/protocol/index.js';

test('freezes a value and everything under it, in place, and hands the same value back', () => {
  const value = { steps: [{ id: 'a', call: { agent: 'echo' } }], outputs: { n: 1 } };
  assert.equal(deepFreeze(value), value);
  for (const part of [value, value.steps, value.steps[0]!, value.steps[0]!.call, value.outputs]) assert.ok(Object.isFrozen(part));
  // Modules run strict: a write to a frozen object throws.
  assert.throws(() => {
    value.steps[0]!.call.agent = 'other';
  }, TypeError);
});

test('leaves primitives and null as they are', () => {
  for (const v of [1, 'x', null, undefined, true]) assert.equal(deepFreeze(v), v);
});
