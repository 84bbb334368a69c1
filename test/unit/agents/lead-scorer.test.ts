import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { progressOf, summarize, testAgent, type A2ACallError } from 'agentmesh/testing';
import leadScorer, { lookalikeScore } from '../../../agents/lead-scorer.js';
import { sampleBestCustomers } from '../../../agents/shared/sample-leads.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

test('a lead identical to a best customer scores near the top', () => {
  const twin = { id: 'x', company: 'X', industry: 'saas', region: 'emea', employees: 150, annualRevenueMUsd: 20, websiteVisits30d: 200 };
  const far = { id: 'y', company: 'Y', industry: 'unknown', region: 'nowhere', employees: 1, annualRevenueMUsd: 0.01, websiteVisits30d: 0 };
  assert.ok(lookalikeScore(twin).score > lookalikeScore(far).score);
  assert.ok(lookalikeScore(far).score >= 0 && lookalikeScore(twin).score <= 100);
});

test('the scoring skill declares its input schema and pricing-relevant tags', () => {
  const skill = leadScorer.skills.get('score-leads')!;
  assert.ok(skill.validateInput!({ leadIds: ['lead-001'] }));
  assert.ok(!skill.validateInput!({ leadIds: [] }), 'at least one lead id');
  assert.ok(skill.card.tags.includes('scoring'));
  // Lookalike work is audience-architect's: this card no longer claims it.
  assert.ok(!skill.card.tags.includes('lookalike'));
});

describe('lead-scorer agent, through the test kit', () => {
  const agent = startedForSuite(() => testAgent(leadScorer));

  test('scores the leads sent as data, best first, and charges a credit per lead', async () => {
    const task = await agent().send({ data: { leadIds: ['lead-001', 'lead-002', 'lead-003'], top: 2 } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED', task.statusText);
    const { scored, count, bands } = task.data<{ scored: Array<{ leadId: string; score: number }>; count: number; bands: Record<string, number> }>();
    assert.equal(count, 3);
    assert.equal(scored.length, 2);
    assert.ok(scored[0]!.score >= scored[1]!.score);
    assert.equal(bands['high']! + bands['medium']! + bands['low']!, 3);
    assert.equal(task.text('summary').split('\n').length, 2);
    assert.deepEqual(task.usage, { credits: 3, units: { leads: 3 } });
  });

  test('reports its progress every 100 leads while it streams', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `lead-${String(i + 1).padStart(5, '0')}`);
    const events = await agent().stream({ data: { leadIds: ids, top: 1 } }).toArray();
    assert.deepEqual(progressOf(events), [`Scoring 250 leads against ${sampleBestCustomers.length} best customers`, 'Scored 100 of 250 leads', 'Scored 200 of 250 leads']);
    assert.deepEqual(summarize(events.at(-1)!), { kind: 'status', state: 'TASK_STATE_COMPLETED', text: '' });
  });

  test('fails naming the unknown lead ids, and refuses input outside its schema', async () => {
    const task = await agent().send({ data: { leadIds: ['lead-001', 'lead-nope'] } });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.equal(task.statusText, 'Unknown lead ids: lead-nope');
    await assert.rejects(agent().send({ data: { leadIds: [] } }), (err: A2ACallError) => err.code === -32602);
  });
});
