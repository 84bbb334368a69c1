import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import audienceArchitect from '../../../agents/audience-architect.js';
import { evaluateLookalike } from '../../../agents/audience-architect/evaluate-lookalike.js';
import { featureVector, featuresOf } from '../../../agents/audience-architect/features.js';
import { lookalikeText } from '../../../agents/audience-architect/lookalike-text.js';
import { buildProfile, scoreLookalike } from '../../../agents/audience-architect/lookalike-model.js';
import { convertedLeadIds, generatedLeads } from '../../../agents/shared/generated-leads.js';
import { sampleBestCustomers, type SampleLead } from '../../../agents/shared/sample-leads.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const lead = (over: Partial<SampleLead>): SampleLead => ({ id: 'x', company: 'X', industry: 'fintech', region: 'na', employees: 250, annualRevenueMUsd: 30, websiteVisits30d: 200, ...over });
const seeds = [lead({ id: 's1' }), lead({ id: 's2', employees: 300, annualRevenueMUsd: 40 }), lead({ id: 's3', industry: 'saas', employees: 200, websiteVisits30d: 240 })];

describe('the lookalike model', () => {
  test('encodes a lead as industry and region one-hot, log size, log revenue and engagement', () => {
    assert.deepEqual(featureVector(featuresOf(lead({ employees: 1000, annualRevenueMUsd: 100, websiteVisits30d: 150 }))), [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 2, 0.5]);
    assert.deepEqual(featuresOf(lead({ industry: 'mining' })).industry, [0, 0, 0, 0, 0, 0], 'an unknown industry resembles no seed');
  });

  test('scores a twin of the seeds near 100 and a stranger near 0, explaining the difference', () => {
    const profile = buildProfile(seeds);
    const twin = scoreLookalike(lead({}), profile);
    const stranger = scoreLookalike(lead({ industry: 'retail', region: 'latam', employees: 8, annualRevenueMUsd: 0.5, websiteVisits30d: 2 }), profile);
    assert.ok(twin.score >= 90, `twin ${twin.score}`);
    assert.ok(stranger.score <= 10, `stranger ${stranger.score}`);
    assert.equal(twin.factors.length, 3);
    assert.deepEqual(twin.factors.map((f) => f.feature), ['industry', 'engagement', 'size'], 'the heaviest features that match come first');
    assert.equal(twin.factors[0]!.detail, 'fintech, like 67% of the seeds');
    const points = twin.factors.reduce((a, f) => a + f.points, 0);
    assert.ok(points <= twin.score + 0.5, 'factors are shares of the score');
  });

  test('is more confident with more seeds, and when the features agree', () => {
    const candidate = lead({});
    const few = scoreLookalike(candidate, buildProfile(seeds.slice(0, 1)));
    const many = scoreLookalike(candidate, buildProfile(Array.from({ length: 30 }, (_, i) => lead({ id: `s${i}` }))));
    assert.ok(many.confidence > few.confidence, `${many.confidence} > ${few.confidence}`);
    const mixed = scoreLookalike(lead({ industry: 'retail', region: 'latam' }), buildProfile(seeds));
    assert.ok(mixed.confidence < scoreLookalike(candidate, buildProfile(seeds)).confidence, 'half-matching leads are less certain');
    assert.ok(mixed.confidence >= 0 && many.confidence <= 1);
  });

  test('refuses an empty seed set', () => {
    assert.throws(() => buildProfile([]), /at least one seed/);
  });
});

describe('the hold-out evaluation', () => {
  const leads = [...generatedLeads().values()];

  test('measures F1 well above guessing on the 2,000-lead hold-out', () => {
    const e = evaluateLookalike({ leads, converted: convertedLeadIds() });
    assert.equal(e.holdoutSize, 2000);
    assert.equal(e.seeds, 'training-conversions');
    assert.equal(e.thresholdChosenBy, 'training-f1');
    // Measured: F1 0.526 (precision 0.493, recall 0.565) at score ≥ 73, AUC 0.887.
    // Guessing "every lead converts" scores F1 0.17 (base rate 9.3%); the
    // generator's own hidden odds reach 0.71 (labels are noisy draws). 0.45 is
    // ~2.6× guessing, with room for small changes to the weights: below it the
    // model has lost much of what it learns from the seeds.
    assert.ok(e.f1 >= 0.45, `F1 ${e.f1}`);
    assert.ok(e.auc >= 0.85, `AUC ${e.auc}`);
    assert.ok(e.f1 > 2 * e.baselineF1);
    assert.equal(e.precision, Math.round((e.truePositives / e.predictedPositives) * 1000) / 1000);
    assert.equal(e.recall, Math.round((e.truePositives / e.positives) * 1000) / 1000);
    assert.deepEqual(evaluateLookalike({ leads, converted: convertedLeadIds() }), e, 'the same figure on every run');
  });

  test('a given threshold trades recall for precision', () => {
    const strict = evaluateLookalike({ leads, converted: convertedLeadIds(), threshold: 85 });
    const loose = evaluateLookalike({ leads, converted: convertedLeadIds(), threshold: 50 });
    assert.equal(strict.thresholdChosenBy, 'caller');
    assert.ok(strict.precision > loose.precision && strict.recall < loose.recall);
  });

  test('seeds that do not resemble the converters predict nothing: F1 falls to guessing', () => {
    const e = evaluateLookalike({ leads, converted: convertedLeadIds(), seeds: sampleBestCustomers });
    assert.equal(e.seeds, 'given');
    assert.ok(e.auc < 0.6, `AUC ${e.auc}`);
  });
});

test('lookalikeText reads candidates, seeds, top and a question about accuracy', () => {
  assert.deepEqual(lookalikeText('score lead-010 and lead-011 against seeds lead-001, lead-002, top 5'), { candidateIds: ['lead-010', 'lead-011'], seedIds: ['lead-001', 'lead-002'], top: 5 });
  assert.deepEqual(lookalikeText('find prospects similar to lead-045 and lead-047'), { seedIds: ['lead-045', 'lead-047'] });
  assert.deepEqual(lookalikeText('how accurate is the lookalike model? precision and recall please'), { evaluate: true });
  assert.equal(lookalikeText('build a lookalike audience from the 10,000 generated leads').candidateIds?.length, 10_000);
});

describe('audience-architect agent', () => {
  const agent = startedForSuite(() => testAgent(audienceArchitect));

  test('scores candidates against given seeds, best first, with confidence, factors and a charge per candidate', async () => {
    const candidateIds = ['lead-00001', 'lead-00002', 'lead-00003', 'lead-00004', 'lead-00005', 'lead-045'];
    const task = await agent().send({ data: { candidateIds, seedIds: ['lead-045', 'lead-047', 'lead-002'], top: 3 } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED', task.statusText);
    const r = task.data<any>();
    assert.equal(r.seeds, 'given');
    assert.equal(r.seedCount, 3);
    assert.equal(r.excludedSeeds, 1, 'a seed is not its own lookalike');
    assert.equal(r.scored, 5);
    assert.equal(r.candidates.length, 3);
    for (const c of r.candidates) {
      assert.ok(c.score >= 0 && c.score <= 100 && c.confidence >= 0 && c.confidence <= 1, JSON.stringify(c));
      assert.equal(c.factors.length, 3);
    }
    assert.ok(r.candidates[0].score >= r.candidates[1].score && r.candidates[1].score >= r.candidates[2].score);
    assert.deepEqual(r.seedProfile.industries, { saas: 0.67, fintech: 0.33 });
    assert.deepEqual(task.usage, { credits: 1.1, units: { candidates: 5 } });
    assert.match(task.text('summary'), /^\d+ of 5 candidates match 3 seed\(s\)/);
  });

  test('defaults to the sample prospects against the best customers', async () => {
    const task = await agent().send({ data: { top: 5, minScore: 50 } });
    assert.equal(task.data<any>().seeds, 'best-customers');
    assert.equal(task.data<any>().seedCount, sampleBestCustomers.length);
    assert.equal(task.data<any>().scored, 188);
    assert.ok(task.data<any>().candidates.every((c: { score: number }) => c.score >= 50));
  });

  test('evaluate: true adds precision, recall and F1 on the hold-out', async () => {
    const task = await agent().send({ data: { candidateIds: ['lead-00001'], evaluate: true } });
    const e = task.data<any>().evaluation;
    assert.deepEqual(Object.keys(e).filter((k) => ['precision', 'recall', 'f1', 'threshold', 'holdoutSize'].includes(k)).sort(), ['f1', 'holdoutSize', 'precision', 'recall', 'threshold']);
    assert.equal(e.holdoutSize, 2000);
    assert.ok(e.f1 >= 0.45);
    assert.match(task.text('summary'), /hold-out \(2000 leads, \d+ converted\): precision 0\.\d+, recall 0\.\d+, F1 0\.\d+ at score ≥ \d+/);
  });

  test('answers a question in words', async () => {
    const task = await agent().send({ text: 'How good is the lookalike model? Give me precision and recall' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.ok(task.data<any>().evaluation.f1 > 0);
  });

  test('names unknown leads, and refuses a threshold without an evaluation', async () => {
    const unknown = await agent().send({ data: { seedIds: ['lead-045', 'lead-77777', 'nope'] } });
    assert.equal(unknown.state, 'TASK_STATE_FAILED');
    assert.match(unknown.statusText, /seedIds name leads the company database does not have: lead-77777, nope/);
    const threshold = await agent().send({ data: { threshold: 70 } });
    assert.match(threshold.statusText, /threshold only applies with evaluate: true/);
    await assert.rejects(agent().send({ data: { candidateIds: [] } }), (err: A2ACallError) => err.code === -32602);
  });
});
