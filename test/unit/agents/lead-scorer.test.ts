import { test } from 'node:test';
import assert from 'node:assert/strict';
import leadScorer, { lookalikeScore } from '../../../agents/lead-scorer.js';

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
  assert.ok(skill.card.tags.includes('lookalike'));
});
