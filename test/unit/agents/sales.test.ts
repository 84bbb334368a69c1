import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calculateCosts } from '../../../agents/finance/calculate-costs.js';
import { lookalikeScore } from '../../../agents/lead-scorer.js';
import { reviewContract } from '../../../agents/legal/review-contract.js';
import sales from '../../../agents/sales.js';
import { analyzeLeads } from '../../../agents/sales/analyze-leads.js';
import { draftProposal } from '../../../agents/sales/draft-proposal.js';
import { proposalText } from '../../../agents/sales/proposal-text.js';
import { sampleLeads, sampleProspectIds } from '../../../agents/shared/sample-leads.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const costs = calculateCosts({ items: [{ description: 'seats', quantity: 20, unitPrice: 49, period: 'month' }, { description: 'onboarding', quantity: 1, unitPrice: 1500 }], discountPct: 10, taxPct: 20 });
const risky = reviewContract('1. The Supplier may terminate this Agreement on 5 days notice.\n2. This Agreement shall automatically renew for successive one-year terms.\n3. Liability of the Supplier shall be unlimited.');
const clean = { riskLevel: 'low' as const, findings: [], clausesReviewed: 12, complete: true };

describe('draftProposal', () => {
  test('prices the deal from finance\'s breakdown, to the cent', () => {
    const p = draftProposal({ customer: 'Acme Corp', costs, review: clean, date: '2026-03-02' });
    assert.deepEqual(p.priceTable.rows, [
      { item: 'seats', quantity: 20, unitPrice: 49, period: 'month', amount: 980 },
      { item: 'onboarding', quantity: 1, unitPrice: 1500, period: 'one-time', amount: 1500 },
    ]);
    // 2480 − 10% = 2232, + 20% tax = 2678.40; a year: (20 × 49 × 12 + 1500) × 0.9 × 1.2 = 14320.80.
    assert.equal(p.priceTable.total, 2678.4);
    assert.equal(p.priceTable.annualized, 14320.8);
    assert.match(p.text, /\| Discount 10% \| \| \| \| -248\.00 USD \|\n\| Tax 20% \| \| \| \| 446\.40 USD \|\n\| \*\*Total\*\* \| \| \| \| \*\*2,678\.40 USD\*\* \|/);
  });

  test('a clean review makes it ready to send, valid 30 days', () => {
    const p = draftProposal({ customer: 'Acme Corp', costs, review: clean, date: '2026-03-02' });
    assert.equal(p.status, 'ready');
    assert.equal(p.validUntil, '2026-04-01');
    assert.deepEqual(p.riskNotes, []);
    assert.deepEqual(p.sections.map((s) => s.heading), ['Summary', 'Pricing', 'Contract risk notes', 'Next steps', 'Terms']);
    assert.equal(p.nextSteps[0], 'Send the proposal to Acme Corp; the offer stands until 2026-04-01');
    assert.match(p.text, /^# Proposal for Acme Corp\n\nDate: 2026-03-02 · Valid until: 2026-04-01 · Ref: prop-[0-9a-f]{12}\n/);
  });

  test('high-risk clauses hold the proposal for legal and become risk notes and next steps', () => {
    const p = draftProposal({ customer: 'Acme Corp', costs, review: risky, date: '2026-03-02', validForDays: 14 });
    assert.equal(p.status, 'needs-legal-review');
    assert.equal(p.riskLevel, 'high');
    assert.deepEqual(p.riskNotes.map((n) => [n.severity, n.clause]), [['high', '3'], ['high', '2'], ['high', '1']]);
    assert.match(p.nextSteps[0]!, /^Legal to redline the high-risk clauses before sending: unlimited liability; automatic renewal/);
    assert.ok(p.nextSteps.includes('Legal reviewed an excerpt: have the full contract reviewed before signature'));
    assert.equal(p.validUntil, '2026-03-16');
    assert.match(p.sections[2]!.body, /^- \[high\] Unlimited liability \(clause 3\): Cap aggregate liability/);
  });

  test('without a review it waits for legal', () => {
    const p = draftProposal({ customer: 'Acme Corp', costs, date: '2026-03-02' });
    assert.equal(p.status, 'needs-legal-review');
    assert.equal(p.riskLevel, 'unreviewed');
    assert.match(p.nextSteps[0]!, /^Send the contract to legal for review/);
  });

  test('the same input gives the same document id; another customer another', () => {
    const a = draftProposal({ customer: 'Acme Corp', costs, review: risky, date: '2026-03-02' });
    assert.deepEqual(draftProposal({ customer: 'Acme Corp', costs: structuredClone(costs), review: structuredClone(risky), date: '2026-03-02' }), a);
    assert.notEqual(draftProposal({ customer: 'Globex', costs, review: risky, date: '2026-03-02' }).proposalId, a.proposalId);
  });

  test('refuses a blank customer and a date that is not one', () => {
    assert.throws(() => draftProposal({ customer: '  ', costs, date: '2026-03-02' }), /customer must name the customer/);
    assert.throws(() => draftProposal({ customer: 'Acme', costs, date: '2026-02-30' }), /date must be a calendar date YYYY-MM-DD/);
  });
});

test('proposalText reads the customer, the items and the contract', () => {
  const read = proposalText('Proposal for Globex & Sons. 3 servers at 2,400 each, 8% VAT. Contract: 1. The Supplier may terminate this Agreement on 5 days notice. The Customer shall pay within 30 days.');
  assert.equal(read.customer, 'Globex & Sons');
  assert.deepEqual(read.costs, { items: [{ description: 'servers', quantity: 3, unitPrice: 2400, period: 'one-time' }], taxPct: 8 });
  assert.match(read.contract!, /^1\. The Supplier may terminate/);
  assert.equal(proposalText('draft a proposal please').customer, undefined);
});

describe('analyzeLeads', () => {
  const prospects = sampleProspectIds.map((id) => sampleLeads.get(id)!);

  test('groups leads by segment and region, largest first, with scores and counts that add up', () => {
    const summary = analyzeLeads(prospects, ['segment', 'region']);
    assert.equal(summary.leads, 188);
    for (const groups of Object.values(summary.groups)) {
      assert.equal(groups.reduce((a, g) => a + g.leads, 0), 188);
      assert.ok(groups.every((g, i) => i === 0 || groups[i - 1]!.leads >= g.leads));
    }
    const emea = summary.groups.region!.find((g) => g.key === 'emea')!;
    const members = prospects.filter((l) => l.region === 'emea');
    const scores = members.map((l) => lookalikeScore(l).score);
    assert.equal(emea.leads, members.length);
    assert.equal(emea.avgScore, Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 10) / 10);
    assert.equal(emea.highScore, scores.filter((s) => s >= 80).length);
    assert.equal(emea.topLead.score, Math.max(...scores));
  });
});

describe('sales agent', () => {
  const agent = startedForSuite(() => testAgent(sales));

  test('drafts a proposal from legal\'s and finance\'s outputs sent as data', async () => {
    const task = await agent().send({ data: { customer: 'Acme Corp', costs, review: risky, date: '2026-03-02' } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED', task.statusText);
    assert.equal(task.data<any>().status, 'needs-legal-review');
    assert.equal(task.data<any>().priceTable.total, 2678.4);
    assert.equal(task.text('proposal'), task.data<any>().text);
    assert.deepEqual(task.usage, { credits: 2, units: { lines: 2 } });
  });

  test('drafts from words, asking for the items when the text has none', async () => {
    const done = await askThenAnswer(agent(), { text: 'draft a proposal for Initech' }, /What should the proposal for Initech price\?/, { text: '12 seats at 49 USD, 20% VAT' });
    assert.equal(done.data<any>().customer, 'Initech');
    assert.equal(done.data<any>().priceTable.total, 705.6);
    assert.equal(done.data<any>().riskLevel, 'unreviewed');
  });

  test('analyzes the pipeline by the dimension the text names', async () => {
    const task = await agent().send({ text: 'analyze the generated leads by industry' }, { skill: 'analyze-leads' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED', task.statusText);
    assert.equal(task.data<any>().leads, 10_000);
    assert.deepEqual(Object.keys(task.data<any>().groups), ['industry']);
    assert.equal(task.data<any>().groups.industry.length, 6);
    assert.match(task.text('summary'), /^10000 leads, avg score [\d.]+, \d+ scoring 80\+, \d+ hot\nby industry:\n {2}\w+: \d+ leads/);
  });

  test('refuses unknown lead ids and costs without lines', async () => {
    const task = await agent().send({ data: { leadIds: ['lead-001', 'lead-54321'] } }, { skill: 'analyze-leads' });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /leadIds name leads the company database does not have: lead-54321/);
    await assert.rejects(agent().send({ data: { customer: 'Acme', costs: { ...costs, lines: [] } } }), (err: A2ACallError) => err.code === -32602 && /lines/.test(err.message));
  });
});
