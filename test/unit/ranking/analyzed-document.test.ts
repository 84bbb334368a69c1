import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument, FIELD_WEIGHTS, rank, type RankDocument } from '../../../src/ranking/rank.js';
import { stemSet, textTerms } from '../../../src/ranking/text-terms.js';

// The registry keeps a compact analysis of each agent for the shared ranking
// (sorted stems, a bit per field) instead of a set of stems per field. These
// pin it to what the sets said, so a ranking over kept analyses is the
// ranking over the documents.

const FIELDS = Object.keys(FIELD_WEIGHTS) as Array<keyof typeof FIELD_WEIGHTS>;
const WORDS = ['score', 'scores', 'scoring', 'lead', 'leads', 'invoice', 'invoices', 'contract', 'review', 'reviews', 'similar', 'customers', 'cost', 'quote', 'payroll', 'Acme', 'q3-report', 'leadScorer', 'prospects', '2026', 'the', 'agent'];
const text = fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }).map((w) => w.join(' '));
const texts = fc.array(text, { maxLength: 3 });
const documentArb: fc.Arbitrary<RankDocument> = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd'),
  kind: fc.constant('agent' as const),
  name: texts,
  skills: texts,
  tags: texts,
  description: texts,
  skillDescriptions: texts,
  examples: texts,
  inputs: texts,
  department: texts,
  learned: texts,
});

describe('an analyzed document', () => {
  test('holds a stem in exactly the fields whose text holds it', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const analyzed = analyzeDocument(doc);
        const sets = FIELDS.map((field) => stemSet(doc[field]));
        const probes = new Set([...sets.flatMap((s) => [...s]), ...WORDS.flatMap((w) => textTerms(w).map((t) => t.stem)), 'absent', '']);
        for (const stem of probes) {
          const expected = sets.reduce((bits, set, f) => bits | (set.has(stem) ? 1 << f : 0), 0);
          assert.equal(analyzed.fieldsOf(stem), expected, `"${stem}"`);
          FIELDS.forEach((_, f) => assert.equal(analyzed.has(f, stem), (expected & (1 << f)) !== 0));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('keeps the name phrases in order, each once', () => {
    const doc = { id: 'lead-scorer', kind: 'agent', name: ['Lead scorer', 'lead-scorer'], skills: ['Score leads', 'score-leads', 'Rank'], tags: [], description: [], skillDescriptions: [], examples: [], inputs: [], department: [] } satisfies RankDocument;
    assert.deepEqual(analyzeDocument(doc).phrases, [['lead', 'scorer'], ['score', 'lead']]);
  });

  test('ranks as the document it was made from', () => {
    fc.assert(
      fc.property(fc.uniqueArray(documentArb, { selector: (d) => d.id, minLength: 1, maxLength: 4 }), text, (docs, request) => {
        const prior = new Map(docs.map((d, i) => [d.id, 10 * i]));
        assert.deepEqual(rank(request, docs.map(analyzeDocument), { prior }), rank(request, docs.map((d) => ({ ...d })), { prior }));
      }),
      { numRuns: 200 },
    );
  });
});
