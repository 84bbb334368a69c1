import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agentDocument } from '../../../src/ranking/rank-document.js';
import { compileLexicon, findParaphrases, PARAPHRASE_LEXICON, wordStems } from '../../../src/ranking/paraphrases.js';
import { rank } from '../../../src/ranking/rank.js';
import { textTerms } from '../../../src/ranking/text-terms.js';

const card = (name: string, description: string, skills: Array<{ id: string; name: string; description: string; tags?: string[] }>) =>
  ({ name, description, version: '1.0.0', skills: skills.map((s) => ({ tags: [], examples: [], ...s })) }) as any;

const hr = agentDocument({ name: 'hr', card: card('hr', 'Answers employee questions about company policies from the handbook', [{ id: 'answer-policy-question', name: 'Answer policy question', description: 'Policies: vacation and paid time off, sick leave, parental leave, remote work', tags: ['hr', 'policy', 'leave'] }]), department: 'hr' });
const support = agentDocument({ name: 'support', card: card('support', 'Triages customer tickets: billing, login, outage, bug', [{ id: 'triage-ticket', name: 'Triage ticket', description: 'Category, priority and team of a ticket', tags: ['support', 'ticket', 'billing', 'refund'] }]), department: 'support' });
const finance = agentDocument({ name: 'finance', card: card('finance', 'Calculates costs, totals and quotes', [{ id: 'calculate-costs', name: 'Calculate costs', description: 'Totals line items with discount and tax', tags: ['finance', 'costs', 'pricing'] }]), department: 'finance' });
const docs = [hr, support, finance];

describe('the paraphrase lexicon', () => {
  test('a phrase is found with its stop words, on stems, and says which words of the request it spans', () => {
    const [match, ...rest] = findParaphrases('How many days off do I get a year?', [{ says: ['days off'], means: ['vacation', 'leave'] }]);
    assert.equal(rest.length, 0);
    assert.equal(match!.phrase, 'days off');
    assert.deepEqual([...match!.source], wordStems('days off'));
    assert.deepEqual(match!.means, textTerms('vacation leave').map((t) => t.stem));
    assert.deepEqual(findParaphrases('I took a day off', [{ says: ['days off'], means: ['vacation'] }]).length, 1, 'stems: "day off" is "days off"');
    assert.deepEqual(findParaphrases('the days went off well', [{ says: ['days off'], means: ['vacation'] }]), [], 'the words must be adjacent, in order');
  });

  test('hyphens, apostrophes and "%" read alike on both sides', () => {
    const lexicon = [{ says: ['sign-ups'], means: ['signups'] }, { says: ['% off'], means: ['discount'] }];
    assert.equal(findParaphrases('how many sign ups next month', lexicon).length, 1);
    assert.equal(findParaphrases('how many sign-ups next month', lexicon).length, 1);
    assert.equal(findParaphrases('10 laptops with 10% off', lexicon)[0]?.meansWords[0], 'discount');
    assert.equal(findParaphrases('10 laptops with 10 percent off', lexicon)[0]?.meansWords[0], 'discount');
  });

  test('a longer phrase wins over one it contains at the same place; a phrase of stop words only is never looked for', () => {
    const lexicon = [{ says: ['tax'], means: ['costs'] }, { says: ['sales tax'], means: ['tax'] }, { says: ['to-do'], means: ['tasks'] }];
    const found = findParaphrases('add sales tax to the order, we need to do it today', lexicon);
    assert.deepEqual(found.map((m) => m.phrase), ['sales tax']);
    assert.equal(compileLexicon([{ says: ['to do', 'up to'], means: ['tasks'] }]).length, 0);
  });

  test('every phrase of the shipped lexicon has a topic word and means card words; each is found in a text that says it', () => {
    assert.ok(PARAPHRASE_LEXICON.length >= 40, `${PARAPHRASE_LEXICON.length} entries`);
    for (const entry of PARAPHRASE_LEXICON) {
      assert.ok(entry.means.length > 0 && entry.says.length > 0, JSON.stringify(entry));
      for (const phrase of entry.says) {
        assert.ok(textTerms(phrase).length > 0, `"${phrase}" has no topic word`);
        assert.ok(findParaphrases(`well, ${phrase} again`).some((m) => [...m.source].some((s) => wordStems(phrase).includes(s))), `"${phrase}" is found`);
      }
    }
  });

  test('property: any text is read without throwing, deterministically, and a match spans only words of the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...PARAPHRASE_LEXICON.flatMap((e) => e.says)), fc.string({ maxLength: 50 }), (noise, phrase, tail) => {
        const text = `${noise} ${phrase} ${tail}`;
        const first = findParaphrases(text);
        assert.deepEqual(findParaphrases(text), first);
        const words = new Set(wordStems(text));
        for (const m of first) for (const s of m.source) assert.ok(words.has(s), `${s} of "${m.phrase}" is a word of the text`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the ranking with paraphrases', () => {
  test('a request in everyday words reaches the card that says it otherwise, and its words count as covered', () => {
    const ranking = rank('How many days off do I get?', docs);
    const best = ranking.candidates[0]!;
    assert.equal(best.id, 'hr');
    assert.ok(best.cues.some((c) => c.startsWith('paraphrase:')), best.cues.join());
    assert.ok(best.coverage >= 0.5, `coverage ${best.coverage}`);
    assert.equal(rank('a customer was charged twice', docs).candidates[0]!.id, 'support');
    assert.equal(rank('what are my margins if we sell at 45?', docs).candidates[0]!.id, 'finance');
  });

  test('a two-word paraphrase is two pieces of evidence; a one-word one, one', () => {
    const two = rank('can I work from another country?', docs).candidates.find((c) => c.id === 'hr')!;
    const one = rank('maternity?', docs).candidates.find((c) => c.id === 'hr')!;
    assert.ok(two.evidence >= 2, JSON.stringify(two));
    assert.equal(one.evidence, 1, JSON.stringify(one));
  });

  test('property: adding a paraphrase of a candidate\'s work never lowers that candidate\'s score', () => {
    fc.assert(
      fc.property(fc.constantFrom('book a table for four', 'what about the report', 'please look at this', 'the weather in Berlin'), (base) => {
        const before = rank(base, docs).candidates.find((c) => c.id === 'hr')!.raw;
        const after = rank(`${base}, and how many days off do I get`, docs).candidates.find((c) => c.id === 'hr')!.raw;
        assert.ok(after >= before, `${after} >= ${before}`);
      }),
    );
  });
});
