import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AgentRecord } from '../../../src/contracts/registry/index.js';
import { SearchIndex } from '../../../src/registry/search/search-index.js';
import { indexAgent } from '../../../src/registry/search/indexed-agent.js';
import { compileSynonyms, DEFAULT_SYNONYMS } from '../../../src/registry/search/synonym-table.js';
import { selectSmallest, TextRanker } from '../../../src/registry/search/text-ranker.js';
import { searchRecord } from './search-record.js';

// A search orders only the head of its matches (a few hundred) and the rest
// when something reads past it: these pin that nothing reads a wrong order.

/**
 * `count` agents that match "invoices", how strongly varying with the index
 * (repeats in the description), among as many again about contracts (a word
 * every agent held would weigh nothing).
 */
function agents(count: number, department: (i: number) => string): AgentRecord[] {
  return Array.from({ length: 2 * count }, (_, k) => {
    const i = k >> 1;
    const name = `agent-${k % 2 === 0 ? 'i' : 'c'}-${String(i).padStart(4, '0')}`;
    const topic = k % 2 === 0 ? 'invoices' : 'contracts';
    return searchRecord({
      name,
      description: `${`${topic} `.repeat(1 + (i % 7))}and ${['ledgers', 'receipts', 'payments'][i % 3]} for the ${department(i)} team`,
      skills: [{ id: `${name}-skill`, name: `Process ${topic}` }],
      metadata: { department: k % 2 === 0 ? department(i) : 'finance' },
    });
  });
}

describe('a search ranking ordered only at its head', () => {
  test('selecting the smallest keys puts exactly them first', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 600 }), fc.nat(), (values, pick) => {
        const count = 1 + (pick % values.length);
        const keys = Float64Array.from(values);
        selectSmallest(keys, count);
        const expected = [...values].sort((a, b) => a - b);
        assert.deepEqual([...keys.subarray(0, count)].sort((a, b) => a - b), expected.slice(0, count));
        assert.deepEqual([...keys].sort((a, b) => a - b), expected);
      }),
    );
  });

  test('the head, scored only where a match can reach it, is the first of the whole order, ties and near ties included', () => {
    // Few distinct texts: hundreds of matches share a score, or miss it by less than a thousandth.
    const topics = ['invoices', 'invoices invoices', 'invoices and ledgers', 'contracts and invoices', 'invoices receipts payments', 'ledgers'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(topics.length - 1), fc.nat(3)), { minLength: 300, maxLength: 700 }), fc.constantFrom('invoices', 'invoices ledgers', 'contracts invoices payments', 'ledgers'), (picks, text) => {
        const ranker = new TextRanker(compileSynonyms(DEFAULT_SYNONYMS));
        const all = agents(picks.length, () => 'finance');
        picks.forEach(([topic, repeat], i) => {
          const record = all[2 * i]!;
          ranker.add(indexAgent({ ...record, card: { ...record.card, description: `${topics[topic]!} `.repeat(1 + repeat) } }, 'https://registry.example.com'));
        });
        const ranking = ranker.rank(text);
        const head = ranking.head(1);
        const headOrdinals = [...head.ordinals];
        const headScores = [...head.scores];
        const whole = ranking.head(ranking.length);
        assert.ok(headOrdinals.length < ranking.length || ranking.length <= 256);
        assert.deepEqual([...whole.ordinals.subarray(0, headOrdinals.length)], headOrdinals);
        assert.deepEqual([...whole.scores.subarray(0, headScores.length)], headScores);
      }),
      { numRuns: 25 },
    );
  });

  test('paging through 900 matches returns each once, in score order, the same as one page of all', () => {
    const index = new SearchIndex({ baseUrl: 'https://registry.example.com' });
    for (const record of agents(900, () => 'finance')) index.upsert(record);
    const seen: Array<{ name: string; score: number }> = [];
    let pageToken: string | undefined;
    let totalSize: number;
    do {
      const page = index.search({ text: 'invoices', pageSize: 100, ...(pageToken !== undefined && { pageToken }) });
      totalSize = page.totalSize;
      seen.push(...page.results.map((r) => ({ name: r.identifier, score: r.score })));
      pageToken = page.pageToken;
    } while (pageToken !== undefined);
    assert.equal(totalSize, 900);
    assert.equal(new Set(seen.map((r) => r.name)).size, 900);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.score <= seen[i - 1]!.score, `score order broken at ${i}: ${seen[i - 1]!.score} then ${seen[i]!.score}`);
  });

  test('a filter that refuses the whole ordered head still finds its agents further down, best first', () => {
    const index = new SearchIndex({ baseUrl: 'https://registry.example.com' });
    // The weakest matches (one "invoices") of a late stretch are the only legal agents.
    const legal = (i: number) => (i >= 850 && i % 7 === 0 ? 'legal' : 'finance');
    for (const record of agents(900, legal)) index.upsert(record);
    const expected = agents(900, legal).filter((r) => r.metadata.department === 'legal').map((r) => r.name);
    const { results, totalSize } = index.search({ text: 'invoices', filter: { department: 'legal' }, pageSize: 100 });
    assert.equal(totalSize, expected.length);
    assert.deepEqual(results.map((r) => r.identifier).sort(), expected.map((name) => `urn:air:acme.com:agent:${name}`));
    for (let i = 1; i < results.length; i++) assert.ok(results[i]!.score <= results[i - 1]!.score);
  });
});
