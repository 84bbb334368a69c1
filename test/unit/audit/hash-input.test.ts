import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashInput } from '../../../src/audit/index.js';
import { canonicalJson } from '../../../src/audit/canonical-json.js';

test('equal JSON values hash equal whatever their key order', () => {
  const a = { message: { role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: { b: 1, a: 2 } } };
  const b = { message: { metadata: { a: 2, b: 1 }, parts: [{ text: 'hi' }], role: 'ROLE_USER' } };
  assert.equal(hashInput(a), hashInput(b));
  assert.notEqual(hashInput(a), hashInput({ ...a, extra: true }));
});

test('the hash is SHA-256 of the canonical JSON, as lowercase hex', () => {
  assert.equal(canonicalJson({ b: [1, 'x', null, true], a: { d: 1.5, c: -0 } }), '{"a":{"c":0,"d":1.5},"b":[1,"x",null,true]}');
  assert.equal(hashInput({ b: 2, a: 1 }), createHash('sha256').update('{"a":1,"b":2}').digest('hex'));
  assert.match(hashInput('x'), /^[0-9a-f]{64}$/);
});

test('keys sort by UTF-16 code units, as RFC 8785 prescribes', () => {
  assert.equal(canonicalJson({ '\u00e9': 1, z: 2, '\ud83d\ude00': 3, A: 4 }), '{"A":4,"z":2,"\u00e9":1,"\ud83d\ude00":3}');
});

test('undefined members are dropped, and become null inside arrays, as in JSON.stringify', () => {
  assert.equal(canonicalJson({ a: undefined, b: [undefined, () => 1], c: 1 }), '{"b":[null,null],"c":1}');
  assert.equal(canonicalJson({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}');
});

test('hostile input still hashes: lone surrogates and non-finite numbers never throw', () => {
  const hostile = JSON.parse('{"text":"\\ud800 alone"}') as unknown;
  assert.match(hashInput(hostile), /^[0-9a-f]{64}$/);
  assert.equal(canonicalJson([Number.NaN, Number.POSITIVE_INFINITY]), '[null,null]');
});

test('a circular value or a BigInt is refused with AM_ERR_AUDIT_INVALID_ARGUMENT', () => {
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => hashInput(loop), { code: 'AM_ERR_AUDIT_INVALID_ARGUMENT', message: /circular/ });
  assert.throws(() => hashInput({ n: 1n }), { code: 'AM_ERR_AUDIT_INVALID_ARGUMENT', message: /BigInt/ });
});

test('a value seen twice without a cycle is not mistaken for one', () => {
  const shared = { x: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
});
