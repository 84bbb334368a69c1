import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AgentRecord } from '../../../src/contracts/registry/index.js';
import { isRecord } from '../../../src/protocol/narrowing.js';
import { callTerms, callTermsInFull, skillInputOf } from '../../../src/gateway/call-pricing.js';

/** What a pricing answered: the terms, or the error it threw (its code and message). */
function outcome(judge: () => unknown): unknown {
  try {
    return { terms: judge() };
  } catch (err) {
    return { refused: { code: (err as { code?: string }).code, message: (err as Error).message } };
  }
}

const skillId = fc.constantFrom('echo', 'score', 'bulk', 'ghost', '__proto__', 'constructor', '');
const scopes = fc.option(fc.array(fc.constantFrom('a2a', 'leads:read', 'leads:write'), { maxLength: 2 }), { nil: undefined });
/** Prices per call, per item (through a path, or none), free, and invalid ones the estimate refuses. */
const pricing = fc.option(
  fc.record(
    {
      creditsPerCall: fc.constantFrom<unknown>(1, 0, 2.5, 0.0004, -1, 'x'),
      creditsPerItem: fc.constantFrom<unknown>(0, 1, 0.0001, -2),
      itemsPath: fc.constantFrom<unknown>('leadIds', 'a.b', '', 7),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const record = fc
  .record({
    skills: fc.option(fc.uniqueArray(skillId, { maxLength: 3 }), { nil: undefined }),
    meta: fc.option(fc.dictionary(skillId, fc.record({ pricing, requiredScopes: scopes }, { requiredKeys: [] }), { maxKeys: 3 }), { nil: undefined }),
    requiredScopes: scopes,
  })
  .map(({ skills, meta, requiredScopes }) => ({
    card: { name: 'a', skills: skills?.map((id) => ({ id, name: id, description: id, tags: [] })) },
    metadata: { ...(meta !== undefined && { skills: meta }), ...(requiredScopes !== undefined && { requiredScopes }) },
  }) as unknown as AgentRecord);
/** Messages naming a skill or none, whose input counts differently (items under leadIds, a.b, none; text). */
const message = fc.option(
  fc.record(
    {
      metadata: fc.oneof(fc.record({ skillId: fc.oneof(skillId, fc.constant(3)) }), fc.constant(null)),
      parts: fc.array(fc.oneof(fc.record({ text: fc.string({ maxLength: 6 }) }), fc.record({ data: fc.oneof(fc.record({ leadIds: fc.array(fc.nat(), { maxLength: 4 }) }), fc.record({ a: fc.record({ b: fc.array(fc.nat(), { maxLength: 3 }) }) }), fc.constant('x'), fc.constant(null)) })), { maxLength: 3 }),
    },
    { requiredKeys: ['parts'] },
  ),
  { nil: undefined },
);

describe('call terms', () => {
  test('kept per record and skill, they are what each call would compute from its own message (property)', () => {
    let kept = 0;
    fc.assert(
      fc.property(record, fc.array(message, { minLength: 1, maxLength: 6 }), (r, messages) => {
        for (const m of messages) {
          const terms = outcome(() => callTerms(r, m));
          assert.deepEqual(terms, outcome(() => callTermsInFull(r, m)));
          if (Object.isFrozen((terms as { terms?: object }).terms)) kept++;
        }
      }),
      { numRuns: 5000 },
    );
    // The generated calls reach the kept terms, not only the computed ones.
    assert.ok(kept > 1000, `only ${kept} calls answered with kept terms`);
  });

  test('a skill the card does not declare is priced per call and never kept', () => {
    const r = { card: { name: 'a', skills: [{ id: 'echo', name: 'echo', description: '', tags: [] }] }, metadata: { skills: { echo: { pricing: { creditsPerCall: 1 } } } } } as unknown as AgentRecord;
    assert.ok(Object.isFrozen(callTerms(r, { parts: [] })), 'the only skill is kept');
    assert.equal(Object.isFrozen(callTerms(r, { metadata: { skillId: 'other' }, parts: [] })), false);
  });

  test('the skill input of a message without data is its texts joined, as map and join give them (property)', () => {
    const part: fc.Arbitrary<unknown> = fc.oneof(fc.record({ text: fc.string({ maxLength: 5 }) }), fc.record({ text: fc.constant(3) }), fc.record({ url: fc.string() }), fc.constant(null), fc.string());
    fc.assert(
      fc.property(fc.oneof(fc.array(part, { maxLength: 4 }), fc.sparseArray(part, { maxLength: 4 })), fc.boolean(), (parts, proto) => {
        const joined = parts.map((p) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : '')).join('');
        assert.equal(skillInputOf(proto ? { content: parts } : { parts }), joined);
      }),
      { numRuns: 2000 },
    );
  });
});
