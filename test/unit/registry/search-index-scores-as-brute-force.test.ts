import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AgentRecord } from '../../../src/contracts/registry/index.js';
import { indexAgent } from '../../../src/registry/search/indexed-agent.js';
import { planQuery } from '../../../src/registry/search/query-plan.js';
import { groupWeights, RELEVANCE_CUTOFF, relevanceScore } from '../../../src/registry/search/relevance-score.js';
import { FIELD_BOOSTS, SEARCH_FIELDS, toSearchDocument } from '../../../src/registry/search/search-document.js';
import type { SearchDocument } from '../../../src/registry/search/search-document.js';
import { compileSynonyms, DEFAULT_SYNONYMS } from '../../../src/registry/search/synonym-table.js';
import { boundedLevenshtein, TermIndex } from '../../../src/registry/search/term-index.js';
import { TextRanker } from '../../../src/registry/search/text-ranker.js';
import { searchRecord } from './search-record.js';

// The registry's inverted index (ADR 0051) against a scorer that reads every
// live document at query time: BM25+ per field as MiniSearch computed it
// (the ranking the relevance corpus was tuned on), prefix completions and
// typo matches weighted as MiniSearch did. Random corpora over a small
// vocabulary (so terms share prefixes and documents share terms), random
// replacements and deletions between queries.

const VOCABULARY = ['invoic', 'invoices', 'invent', 'inventori', 'contract', 'contractor', 'lead', 'leader', 'score', 'scorer', 'scout', 'payment', 'payrol', 'ledger', 'legal', 'legaltech', 'sale', 'salesforc', 'review', 'reviewer'];
const field = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 6 }).map((terms) => terms.join(' '));
const documentArb = fc.record(Object.fromEntries(SEARCH_FIELDS.map((f) => [f, field])) as Record<(typeof SEARCH_FIELDS)[number], typeof field>);

type Operation = { kind: 'add' | 'replace'; slot: number; doc: Omit<SearchDocument, 'id'> } | { kind: 'remove'; slot: number };
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), slot: fc.nat(11), doc: documentArb }),
  fc.record({ kind: fc.constant('replace' as const), slot: fc.nat(11), doc: documentArb }),
  fc.record({ kind: fc.constant('remove' as const), slot: fc.nat(11) }),
);

/** MiniSearch's BM25+ of one document for `query` (exact, prefix, fuzzy), from the live documents alone. */
function bruteForce(live: ReadonlyMap<number, SearchDocument>, query: string, prefix: boolean, fuzzy: number): Map<number, number> {
  const docs = [...live.values()];
  const n = docs.length;
  const split = (text: string): string[] => (text === '' ? [] : text.split(' '));
  const averages = SEARCH_FIELDS.map((f) => docs.reduce((sum, d) => sum + new Set(split(d[f])).size, 0) / n);
  const vocabulary = new Set(docs.flatMap((d) => SEARCH_FIELDS.flatMap((f) => split(d[f]))));
  const derived: Array<[string, number]> = [];
  if (vocabulary.has(query)) derived.push([query, 1]);
  for (const term of vocabulary) {
    if (term === query) continue;
    if (prefix && term.startsWith(query)) derived.push([term, (0.4 * term.length) / (term.length + 0.3 * (term.length - query.length))]);
    else if (fuzzy > 0 && levenshtein(term, query) <= fuzzy) derived.push([term, (0.35 * term.length) / (term.length + levenshtein(term, query))]);
  }
  const scores = new Map<number, number>();
  for (const [term, weight] of derived) {
    SEARCH_FIELDS.forEach((f, i) => {
      const holders = [...live].filter(([, d]) => split(d[f]).includes(term));
      const idf = Math.log(1 + (n - holders.length + 0.5) / (holders.length + 0.5));
      for (const [ordinal, d] of holders) {
        const tf = split(d[f]).filter((t) => t === term).length;
        const length = new Set(split(d[f])).size;
        const bm25 = idf * (0.5 + (tf * 2.2) / (tf + 1.2 * (1 - 0.7 + (0.7 * length) / averages[i]!)));
        scores.set(ordinal, (scores.get(ordinal) ?? 0) + weight * FIELD_BOOSTS[f] * bm25);
      }
    });
  }
  return scores;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function assertClose(actual: ReadonlyMap<number, number>, expected: ReadonlyMap<number, number>, context: string): void {
  assert.deepEqual([...actual.keys()].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b), `${context}: matched documents`);
  for (const [ordinal, score] of expected) {
    const got = actual.get(ordinal)!;
    assert.ok(Math.abs(got - score) <= 1e-9 * Math.max(1, Math.abs(score)), `${context}: document ${ordinal} scored ${got}, expected ${score}`);
  }
}

describe('the registry inverted index', () => {
  test('scores every query term as a scorer reading every live document does, through adds, replacements and removals', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.constantFrom(...VOCABULARY, 'invoi', 'contrakt', 'lea', 'paymnt', 'absent'), fc.boolean(), fc.constantFrom(0, 1, 2)), { minLength: 1, maxLength: 5 }), (operations, queries) => {
        const index = new TermIndex();
        const live = new Map<number, SearchDocument>();
        for (const op of operations) {
          const held = live.get(op.slot);
          if (op.kind === 'remove') {
            if (held === undefined) continue;
            index.remove(op.slot, held);
            live.delete(op.slot);
            continue;
          }
          const doc = { id: `agent-${op.slot}`, ...op.doc };
          if (held !== undefined) index.remove(op.slot, held);
          index.add(op.slot, doc);
          live.set(op.slot, doc);
        }
        assert.equal(index.documentCount, live.size);
        if (live.size === 0) return;
        for (const [query, prefix, fuzzy] of queries) {
          const { ordinals, scores } = index.score(index.derivedTerms(query, prefix, fuzzy));
          const actual = new Map<number, number>();
          ordinals.forEach((ordinal, i) => actual.set(ordinal, scores[i]!));
          assertClose(actual, bruteForce(live, query, prefix, fuzzy), `"${query}" prefix ${prefix} fuzzy ${fuzzy}`);
        }
        const frequencies = new Map<string, number>();
        for (const doc of live.values()) for (const term of new Set(SEARCH_FIELDS.flatMap((f) => (doc[f] === '' ? [] : doc[f].split(' '))))) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
        for (const term of VOCABULARY) assert.equal(index.documentFrequency(term), frequencies.get(term) ?? 0, `document frequency of ${term}`);
      }),
      { numRuns: 200 },
    );
  });

  test('bounds the edit distance as the full Levenshtein distance does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 9 }), fc.string({ maxLength: 9 }), fc.constantFrom(1, 2), (a, b, max) => {
        const distance = levenshtein(a, b);
        assert.equal(boundedLevenshtein(a, b, max), distance <= max ? distance : max + 1);
      }),
    );
  });
});

const WORDS = ['invoices', 'contracts', 'leads', 'scoring', 'payments', 'payroll', 'ledger', 'legal', 'sales', 'reviews', 'renewals', 'tickets', 'refunds', 'vendors'];

function record(name: string, words: readonly string[]): AgentRecord {
  const text = (k: number) => words.filter((_, i) => i % 3 === k).join(' ');
  return searchRecord({
    name,
    displayName: `${name} ${words[0] ?? ''}`,
    description: text(1),
    skills: [{ id: `${name}-skill`, name: text(0), description: text(2), tags: words.slice(0, 2), examples: [words.join(' ')] }],
  });
}

/** The head of a ranking computed from the live records alone: every document scored, every match sorted. */
function bruteForceRanking(records: ReadonlyMap<string, AgentRecord>, text: string): Array<{ name: string; score: number }> {
  const docs = new Map([...records.values()].map((r, i) => [i, toSearchDocument(r)]));
  const names = [...records.keys()];
  const synonyms = compileSynonyms(DEFAULT_SYNONYMS);
  const frequency = (term: string) => [...docs.values()].filter((d) => SEARCH_FIELDS.some((f) => d[f].split(' ').includes(term))).length;
  const plan = planQuery(text, synonyms, (term) => frequency(term) > 0);
  const bm25 = new Map<number, number>();
  const masks = new Map<number, number>();
  for (const branch of plan.branches) {
    for (const [ordinal, score] of bruteForce(docs, branch.term, branch.prefix, branch.fuzzy)) {
      bm25.set(ordinal, (bm25.get(ordinal) ?? 0) + branch.weight * score);
      masks.set(ordinal, (masks.get(ordinal) ?? 0) | branch.groupMask);
    }
  }
  const weights = groupWeights(plan, frequency, docs.size, (group) => [...masks.values()].filter((m) => (m >>> group) & 1).length);
  const total = weights.reduce((a, b) => a + b, 0);
  const ranked: Array<{ name: string; score: number }> = [];
  for (const [ordinal, sum] of bm25) {
    const covered = weights.reduce((acc, w, g) => acc + ((masks.get(ordinal)! >>> g) & 1 ? w : 0), 0);
    const score = total > 0 ? relevanceScore(sum, covered, total) : 0;
    if (score >= RELEVANCE_CUTOFF) ranked.push({ name: names[ordinal]!, score });
  }
  return ranked.sort((a, b) => Math.round((100 - a.score) * 1000) - Math.round((100 - b.score) * 1000) || (a.name < b.name ? -1 : 1));
}

describe('a search ranking over the index', () => {
  test('puts the same agents first, with the same scores, as ranking every live agent from scratch, through re-registrations and deletions', () => {
    const recordArb = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), agent: fc.nat(15), words: recordArb }),
      fc.record({ kind: fc.constant('delete' as const), agent: fc.nat(15) }),
      fc.record({ kind: fc.constant('search' as const), text: fc.array(fc.constantFrom(...WORDS, 'invoice', 'contrac', 'paymnets', 'refund'), { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const ranker = new TextRanker(compileSynonyms(DEFAULT_SYNONYMS));
        const records = new Map<string, AgentRecord>();
        const indexed = new Map<string, ReturnType<typeof indexAgent>>();
        for (const s of steps) {
          if (s.kind === 'put') {
            const name = `agent-${String(s.agent).padStart(2, '0')}`;
            const agent = indexAgent(record(name, s.words), 'https://registry.example.com');
            const previous = indexed.get(name);
            if (previous === undefined) ranker.add(agent);
            else ranker.replace(previous, agent);
            indexed.set(name, agent);
            records.set(name, agent.record);
          } else if (s.kind === 'delete') {
            const name = `agent-${String(s.agent).padStart(2, '0')}`;
            const previous = indexed.get(name);
            if (previous === undefined) continue;
            ranker.remove(previous);
            indexed.delete(name);
            records.delete(name);
          } else {
            const expected = bruteForceRanking(new Map([...records].sort(([a], [b]) => (a < b ? -1 : 1))), s.text);
            const ranking = ranker.rank(s.text);
            assert.equal(ranking.length, expected.length, `"${s.text}": matched`);
            const { ordinals, scores } = ranking.head(ranking.length);
            const actual = [...ordinals].map((o, i) => ({ name: ranker.agentAt(o).name, score: scores[i]! }));
            assert.deepEqual(actual.map((a) => a.name), expected.map((e) => e.name), `"${s.text}": order`);
            actual.forEach((a, i) => assert.ok(Math.abs(a.score - expected[i]!.score) < 1e-4, `"${s.text}": ${a.name} scored ${a.score}, expected ${expected[i]!.score}`));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
