import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashInput } from '../../../src/audit/hash-input.js';
import fc from 'fast-check';
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

test('keys are in the default sort order for objects of a few keys and of many, index-like keys included', () => {
  for (const size of [0, 1, 2, 5, 16, 17, 40]) {
    const keys = Array.from({ length: size }, (_, i) => [`k${(i * 7919) % 101}`, String((i * 31) % 23), '\ud800x', 'Z', '_'][i % 5]! + (i >= 5 ? String(i) : ''));
    const object = Object.fromEntries(keys.map((key, i) => [key, i]));
    const expected = `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${object[key]}`)
      .join(',')}}`;
    assert.equal(canonicalJson(object), expected, `${size} keys`);
  }
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

test('a body nested 100,000 levels deep hashes without overflowing the stack', () => {
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
  const json = canonicalJson(deep);
  assert.equal(json.length, 50_000 * 2 + 50_000 * 6 + 1);
  assert.equal(hashInput(deep), createHash('sha256').update(json).digest('hex'));
});

test('canonical JSON is JSON.stringify with keys sorted, for any JSON value (so stored hashes keep their meaning)', () => {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) Object.defineProperty(out, key, { value: sorted((value as Record<string, unknown>)[key]), enumerable: true });
    return out;
  };
  fc.assert(
    fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.object({ key: fc.constantFrom('__proto__', 'constructor', 'toString', 'a', '\ud800') }), (value, object) => {
      assert.equal(canonicalJson(value), JSON.stringify(sorted(value)));
      assert.equal(canonicalJson(object), JSON.stringify(sorted(object)));
    }),
    { seed: 15, numRuns: 500 },
  );
});

test('canonical JSON of plain JSON values is the general walk\'s text, byte for byte (fast path)', async () => {
  const { writeCanonical } = await import('../../../src/audit/canonical-json.js');
  const walk = (value: unknown): string => {
    const parts: string[] = [];
    writeCanonical(value, { unrepresentable: 'throw' }, (chunk) => {
      parts.push(chunk);
      return true;
    });
    return parts.join('');
  };
  // JSON values (lone surrogates, -0, big and tiny numbers, `__proto__` keys), and anything else the fast path must hand over.
  const arbitrary = fc.oneof(fc.jsonValue(), fc.jsonValue({ depthSize: 'large', maxDepth: 40 }), fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withObjectString: true, withBigInt: false }));
  fc.assert(
    fc.property(arbitrary, (value) => {
      assert.equal(canonicalJson(value), walk(value));
      assert.equal(hashInput(value), createHash('sha256').update(walk(value)).digest('hex'));
    }),
    { numRuns: 2000 },
  );
  const parsed = JSON.parse('{"__proto__":{"b":1},"toJSON":"not a function","s":"\\ud800x","n":-0,"e":1e21,"a":[1,[2,[3]]]}') as unknown;
  assert.equal(canonicalJson(parsed), '{"__proto__":{"b":1},"a":[1,[2,[3]]],"e":1e+21,"n":0,"s":"\\ud800x","toJSON":"not a function"}');
  assert.equal(canonicalJson(parsed), walk(parsed));
  // A toJSON, a class instance, a hole, deep nesting: the general walk decides, as before.
  const holey: unknown[] = [1];
  holey[2] = 3;
  const deep: unknown[] = [];
  let at = deep;
  for (let i = 0; i < 100; i++) at = (at[0] = []) as unknown[];
  for (const value of [{ toJSON: () => 'x' }, new Date(0), holey, { u: undefined, f: () => 1 }, deep, Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 })]) {
    assert.equal(canonicalJson(value), walk(value));
  }
});

test('strings and numbers are written as JSON.stringify writes them, at each edge of what it escapes', () => {
  const units = [0x00, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7f, 0x2028, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd];
  const strings = ['', 'plain', '\ud83d\ude00', 'a\ud83d', '\ude00b', 'x'.repeat(256), `${'x'.repeat(256)}"`, `${'x'.repeat(255)}"`, ...units.map((u) => `ab${String.fromCharCode(u)}cd`)];
  for (const s of strings) {
    assert.equal(canonicalJson(s), JSON.stringify(s), `string ${JSON.stringify(s)}`);
    assert.equal(canonicalJson({ s }), `{"s":${JSON.stringify(s)}}`);
  }
  for (const n of [0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Infinity, -Infinity]) {
    assert.equal(canonicalJson([n]), JSON.stringify([n]), `number ${n}`);
  }
  assert.equal(canonicalJson([true, false, null]), '[true,false,null]');
});
