import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentDocument, fieldNames, workflowDocument } from '../../../src/ranking/rank-document.js';
import { findCues } from '../../../src/ranking/intent-cues.js';
import { rank, type RankDocument } from '../../../src/ranking/rank.js';
import { parseChoice } from '../../../src/orchestrator/router/route-skill.js';

const card = (name: string, description: string, skills: Array<{ id: string; name: string; description: string; tags?: string[]; examples?: string[] }>) =>
  ({ name, description, version: '1.0.0', skills: skills.map((s) => ({ tags: [], examples: [], ...s })) }) as any;

const scorer = agentDocument({ name: 'lead-scorer', card: card('lead-scorer', 'Scores and ranks sales leads 0-100', [{ id: 'score-leads', name: 'Score leads', description: 'Scores the given leads', tags: ['leads', 'scoring', 'qualification'] }]), department: 'sales', inputSchemas: [{ type: 'object', properties: { leadIds: { type: 'array' } } }] });
const lookalike = agentDocument({ name: 'audience-architect', card: card('audience-architect', 'Builds lookalike audiences of prospects similar to a seed set', [{ id: 'score-lookalike', name: 'Score lookalike audience', description: 'Scores prospects by similarity to the seeds', tags: ['audience', 'lookalike'] }]), department: 'marketing' });
const finance = agentDocument({ name: 'finance', card: card('finance', 'Calculates costs and quotes', [{ id: 'calculate-costs', name: 'Calculate costs', description: 'Totals line items', tags: ['finance', 'costs', 'pricing', 'quote'] }]), department: 'finance' });
const docs: RankDocument[] = [scorer, lookalike, finance];

describe('the shared ranking', () => {
  test('words count by the field they are found in: a skill name outweighs a description', () => {
    const ranking = rank('score these leads', docs);
    assert.equal(ranking.candidates[0]!.id, 'lead-scorer');
    assert.ok(ranking.candidates[0]!.cues.some((c) => c.startsWith('skills:')), ranking.candidates[0]!.cues.join());
    assert.ok(ranking.candidates[0]!.cues.includes('phrase:score lead'), 'saying the skill name as written is a phrase cue');
  });

  test('an intent cue decides between candidates that share the words ("similar to" → lookalike)', () => {
    const ranking = rank('score leads similar to my best customers', docs);
    assert.equal(ranking.candidates[0]!.id, 'audience-architect');
    assert.ok(ranking.cues.includes('lookalike'));
    assert.ok(findCues('what is the cost of 12 seats?').some((c) => c.cue.id === 'cost'));
    assert.equal(rank('what is the cost of 12 seats?', docs).candidates[0]!.id, 'finance');
  });

  test('synonyms from the registry table count at their weight (prospect ~ lead)', () => {
    const ranking = rank('qualify our prospects', [scorer, finance]);
    assert.equal(ranking.candidates[0]!.id, 'lead-scorer');
    assert.ok(ranking.candidates[0]!.matched.includes('prospects'));
  });

  test('names and numbers cost nothing when no candidate holds them; foreign words lower the coverage', () => {
    const named = rank('score leads for Globex and Initech', docs).candidates[0]!;
    const plain = rank('score leads', docs).candidates[0]!;
    assert.equal(named.coverage, plain.coverage);
    const foreign = rank('book a flight to the conference', docs).candidates[0];
    assert.ok(foreign === undefined || foreign.coverage < 0.5 || foreign.raw < 2, JSON.stringify(foreign));
  });

  test('a confirmed request of the tenant counts for its candidate', () => {
    const before = rank('do the usual thing with the quarterly list', docs);
    const learned = [{ ...finance, learned: ['do the usual thing with the quarterly list'] }, scorer, lookalike];
    const after = rank('do the usual thing with the quarterly list', learned);
    assert.notEqual(before.candidates[0]?.raw ?? 0, after.candidates.find((c) => c.id === 'finance')!.raw);
    assert.equal(after.candidates[0]!.id, 'finance');
    assert.ok(after.candidates[0]!.cues.some((c) => c.startsWith('learned:')));
  });

  test('a workflow needs a cue that several kinds of work are asked, else one agent wins its step', () => {
    const flow = workflowDocument({ name: 'score-and-price', description: 'Scores leads and prices the offer', steps: ['score-leads', 'calculate-costs'], inputs: ['leadIds'] });
    assert.equal(rank('score these leads', [...docs, flow]).candidates[0]!.id, 'lead-scorer');
    assert.equal(rank('end to end: score the leads and price the offer', [...docs, flow]).candidates[0]!.id, 'workflow:score-and-price');
  });

  test('input schemas give their field names, nested and in oneOf branches', () => {
    assert.deepEqual(fieldNames({ oneOf: [{ type: 'string' }, { type: 'object', properties: { leadIds: { type: 'array', items: { type: 'object', properties: { score: {} } } }, top: {} } }] }), ['leadIds', 'score', 'top']);
    assert.deepEqual(fieldNames('not a schema'), []);
  });

  test('hostile input: empty, huge and odd text rank without throwing', () => {
    assert.deepEqual(rank('', docs).candidates.filter((c) => c.raw > 0), []);
    assert.ok(rank('lead '.repeat(5000), docs).candidates.length === 3);
    assert.doesNotThrow(() => rank('(((((( [[[ similar to )))) \u0000 \uFFFF', docs));
  });
});

describe('reading the choice in a reply', () => {
  const candidates = [{ id: 'lead-scorer' }, { id: 'workflow:lookalike-campaign' }, { id: 'sales' }] as any[];
  test('by number, by name, by bare workflow name, or by the one name the reply holds', () => {
    assert.equal(parseChoice('2', candidates)?.id, 'workflow:lookalike-campaign');
    assert.equal(parseChoice(' #3. ', candidates)?.id, 'sales');
    assert.equal(parseChoice('Lead-Scorer', candidates)?.id, 'lead-scorer');
    assert.equal(parseChoice('lookalike-campaign', candidates)?.id, 'workflow:lookalike-campaign');
    assert.equal(parseChoice('the lead-scorer please', candidates)?.id, 'lead-scorer');
  });
  test('nothing when the reply names none, several, or a number out of range', () => {
    assert.equal(parseChoice('', candidates), undefined);
    assert.equal(parseChoice('7', candidates), undefined);
    assert.equal(parseChoice('sales or lead-scorer', candidates), undefined);
    assert.equal(parseChoice('I meant the pipeline', candidates), undefined);
  });
});

test('a candidate id with regular-expression characters is read as text', () => {
  const odd = [{ id: 'workflow:a+b.c' }, { id: 'x(y)' }] as any[];
  assert.equal(parseChoice('run a+b.c please', odd)?.id, 'workflow:a+b.c');
  assert.equal(parseChoice('x(y)', odd)?.id, 'x(y)');
  assert.equal(parseChoice('aab.c', odd), undefined);
});
