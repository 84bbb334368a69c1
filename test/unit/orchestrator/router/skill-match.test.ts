import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCard } from '@a2a-js/sdk';
import { matchCard } from '../../../../src/orchestrator/router/skill-match.js';
import { textTerms } from '../../../../src/ranking/text-terms.js';

const legal = AgentCard.fromJSON({
  name: 'legal',
  description: 'Legal department assistant',
  version: '1.0.0',
  skills: [
    { id: 'review-contract', name: 'Review a contract', description: 'Flags risky clauses in a contract', tags: ['contracts', 'risk'], examples: ['Is this NDA safe to sign?'] },
    { id: 'draft-nda', name: 'Draft an NDA', description: 'Writes a mutual non-disclosure agreement', tags: ['nda'], examples: [] },
  ],
});

describe('textTerms', () => {
  test('keeps topic words, stems them, splits compounds and drops request phrasing', () => {
    assert.deepEqual(
      textTerms('Can you please review this reviewContract for risky clauses?').map((t) => [t.word, t.stem]),
      [['review', 'review'], ['contract', 'contract'], ['risky', 'riski'], ['clauses', 'claus']],
    );
  });
});

describe('matchCard', () => {
  test('picks the skill whose name, tags and description match the most words, and lists them', () => {
    const match = matchCard(legal, [], textTerms('Review this contract for risky clauses'));
    assert.equal(match.skill, 'review-contract');
    assert.deepEqual(match.matched, ['review', 'contract', 'risky', 'clauses']);
  });

  test('follows the words to another skill of the same card', () => {
    assert.equal(matchCard(legal, [], textTerms('draft a mutual NDA for our supplier')).skill, 'draft-nda');
  });

  test('leaves the skill to the agent when only the card itself matches', () => {
    const match = matchCard(legal, [], textTerms('I have a legal question'));
    assert.equal(match.skill, undefined);
    assert.deepEqual(match.matched, ['legal']);
  });

  test('counts record-level tags as matches', () => {
    assert.deepEqual(matchCard(legal, ['compliance'], textTerms('compliance check')).matched, ['compliance']);
  });
});
