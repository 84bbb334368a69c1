import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7 } from '../../../src/storage/uuid7.js';

test('uuidv7 has the version and variant bits of RFC 9562', () => {
  const id = uuidv7();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('uuidv7 embeds the current millisecond', () => {
  const before = Date.now();
  const id = uuidv7();
  const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(ms >= before && ms <= Date.now() + 1, `${ms} not near ${before}`);
});

test('uuidv7 ids from one process are unique and strictly increasing', () => {
  const ids = Array.from({ length: 20000 }, () => uuidv7());
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${ids[i]} <= ${ids[i - 1]}`);
});
