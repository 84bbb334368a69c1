/**
 * What a reviewer reads (src/registry/review/card-diff.ts) and what approval
 * applies (src/registry/merge-patch.ts), as properties over arbitrary JSON
 * and over cards whose skills come and go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { CardChange } from '../../../src/contracts/registry/index.js';
import { mergePatch, mergePatchBetween } from '../../../src/registry/merge-patch.js';
import { diffDocuments, pointerTokens, valueAtPointer } from '../../../src/registry/review/card-diff.js';
import { summarizeChanges } from '../../../src/registry/review/change-summary.js';

const SEED = 20260723;
// Keys a hostile card or metadata may use, beside ordinary ones and ones a pointer must escape.
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'a/b', 'c~d', ''), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true })),
})).value;
// Objects as JSON.parse makes them (fast-check may also make objects without a prototype, which no wire holds).
const plain = { noNullPrototype: true } as const;
const skill = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'x/y', '~'), name: fc.constantFrom('A', 'B'), tags: fc.array(fc.constantFrom('t1', 't2'), { maxLength: 2 }) }, plain);
const card = fc.record({
  name: fc.constantFrom('n1', 'n2'),
  skills: fc.uniqueArray(skill, { maxLength: 4, selector: (s) => s.id }),
  supportedInterfaces: fc.uniqueArray(fc.record({ url: fc.constantFrom('https://a.example/rpc', 'https://b.example/rpc'), protocolBinding: fc.constantFrom('JSONRPC', 'HTTP+JSON') }, plain), { maxLength: 2, selector: (i) => i.url }),
  extra: json,
}, plain);
const document = fc.record({ card, metadata: fc.dictionary(key, json, { maxKeys: 3, noNullPrototype: true }) }, plain);
const pair = fc.oneof(fc.tuple(json, json), fc.tuple(document, document), document.chain((d) => fc.tuple(fc.constant(d), mutated(d))));

/** A document changed a little: a skill added, removed or renamed, or a metadata key set. */
function mutated(d: { card: { skills: Array<{ id: string; name: string }> }; metadata: Record<string, unknown> }): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant({ ...d, card: { ...d.card, skills: d.card.skills.slice(1) } }),
    fc.constant({ ...d, card: { ...d.card, skills: [...d.card.skills.filter((s) => s.id !== 'new'), { id: 'new', name: 'N', tags: [] }] } }),
    fc.constant({ ...d, card: { ...d.card, skills: d.card.skills.map((s, i) => (i === 0 ? { ...s, name: `${s.name}!` } : s)) } }),
    json.map((v) => ({ ...d, metadata: { ...d.metadata, price: v } })),
  );
}

/** The changes with added and removed swapped, from and to swapped: what the diff the other way says. */
function reversed(changes: CardChange[]): CardChange[] {
  return changes.map((c) => (c.op === 'added' ? { op: 'removed', path: c.path, from: c.to } : c.op === 'removed' ? { op: 'added', path: c.path, to: c.from } : { op: 'changed', path: c.path, from: c.to, to: c.from }));
}
const byPath = (changes: CardChange[]) => [...changes].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

test('no change between a document and itself; some change between two that differ', () => {
  fc.assert(
    fc.property(pair, ([a, b]) => {
      assert.deepEqual(diffDocuments(a, structuredClone(a)), []);
      assert.equal(diffDocuments(a, b).length === 0, isDeepStrictEqual(a, b));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test("each change's from and to are what its pointer finds in each document, read by skill id and interface URL", () => {
  fc.assert(
    fc.property(pair, ([a, b]) => {
      for (const change of diffDocuments(a, b)) {
        assert.ok(change.op === 'added' ? valueAtPointer(a, change.path) === undefined : isDeepStrictEqual(valueAtPointer(a, change.path), change.from), `${change.op} ${change.path} (before)`);
        assert.ok(change.op === 'removed' ? valueAtPointer(b, change.path) === undefined : isDeepStrictEqual(valueAtPointer(b, change.path), change.to), `${change.op} ${change.path} (after)`);
      }
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('the diff the other way is the same changes reversed', () => {
  fc.assert(
    fc.property(pair, ([a, b]) => {
      assert.deepEqual(byPath(diffDocuments(b, a)), byPath(reversed(diffDocuments(a, b))));
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test('a skill added, removed or changed is one change addressed by its id, whatever its position', () => {
  const base = { card: { skills: [{ id: 'answer', name: 'Answer' }, { id: 'escalate', name: 'Escalate' }] } };
  const added = { card: { skills: [{ id: 'refund', name: 'Refund' }, ...base.card.skills] } };
  // An insertion at the front keeps the others' order: one addition.
  assert.deepEqual(diffDocuments(base, added), [{ op: 'added', path: '/card/skills/refund', to: { id: 'refund', name: 'Refund' } }]);
  assert.deepEqual(summarizeChanges(diffDocuments(base, added)), ['skill "refund" added']);
  const renamed = { card: { skills: [{ id: 'answer', name: 'Reply' }, base.card.skills[1]] } };
  assert.deepEqual(diffDocuments(base, renamed), [{ op: 'changed', path: '/card/skills/answer/name', from: 'Answer', to: 'Reply' }]);
  // Reordered: the order itself is the change (a runtime's default skill is its first).
  const reordered = { card: { skills: [...base.card.skills].reverse() } };
  assert.deepEqual(diffDocuments(base, reordered).map((c) => c.path), ['/card/skills']);
  assert.deepEqual(pointerTokens('/card/supportedInterfaces/https:~1~1a.example~1rpc'), ['card', 'supportedInterfaces', 'https://a.example/rpc']);
});

test('the merge patch between two objects makes the first into the second, whatever their keys', () => {
  const noNulls: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
    object: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 5 }), fc.integer(), fc.array(fc.integer(), { maxLength: 2 }), tie('object')), { maxKeys: 4, noNullPrototype: true }),
  })).object as fc.Arbitrary<Record<string, unknown>>;
  fc.assert(
    fc.property(noNulls, noNulls, (a, b) => {
      const patched = mergePatch(a, mergePatchBetween(a, b));
      assert.ok(isDeepStrictEqual(patched, b), JSON.stringify({ a, b, patched }));
      assert.equal(Object.getPrototypeOf(patched), Object.prototype, 'a "__proto__" key is a key, not a prototype');
      assert.deepEqual(mergePatchBetween(a, structuredClone(a)), {});
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
