import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import campaignOrchestrator from '../../../agents/campaign-orchestrator.js';
import { campaignText } from '../../../agents/campaign-orchestrator/campaign-text.js';
import { planCampaign } from '../../../agents/campaign-orchestrator/plan-campaign.js';
import leadsData from '../../../agents/data/leads.json' with { type: 'json' };
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const today = new Date('2026-03-04T15:00:00Z'); // a Wednesday
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `crm-${i + 1}`);
const prospects = leadsData.leads.filter((l) => !leadsData.bestCustomers.includes(l.id));

describe('planCampaign', () => {
  test('sends in daily waves within the channel capacity, on business days only', () => {
    const plan = planCampaign({ name: 'Q2 outreach', leadIds: ids(250), channel: 'linkedin', startDate: '2026-03-05' }, 'scheduled', today);
    assert.deepEqual(plan.schedule.waves, [
      { date: '2026-03-05', contacts: 100 },
      { date: '2026-03-06', contacts: 100 },
      { date: '2026-03-09', contacts: 50 },
    ]);
    assert.deepEqual(plan.schedule, { startDate: '2026-03-05', endDate: '2026-03-09', waves: plan.schedule.waves });
  });

  test('prices the campaign: set-up plus a price per contact', () => {
    const plan = planCampaign({ name: 'Q2 outreach', leadIds: ids(250), channel: 'linkedin' }, 'scheduled', today);
    assert.deepEqual(plan.budget, { currency: 'USD', setup: 300, perContact: 1.8, contacts: 250, total: 750 });
  });

  test('starts the next business day by default, and moves a weekend start to Monday', () => {
    assert.equal(planCampaign({ name: 'x', leadIds: ids(1) }, 'draft', today).schedule.startDate, '2026-03-05');
    assert.equal(planCampaign({ name: 'x', leadIds: ids(1) }, 'draft', new Date('2026-03-06T09:00:00Z')).schedule.startDate, '2026-03-09');
    assert.equal(planCampaign({ name: 'x', leadIds: ids(1), startDate: '2026-03-07' }, 'draft', today).schedule.startDate, '2026-03-09');
  });

  test('puts the best-scored leads first, filters by minScore and cuts the worst to fit the budget', () => {
    const leads = [{ leadId: 'l1', score: 40 }, { leadId: 'l2', score: 90 }, { leadId: 'l3', score: 70 }, { leadId: 'l4', score: 20 }];
    const plan = planCampaign({ name: 'x', leads, leadIds: ['l5'], minScore: 30, budgetCap: 150.06, channel: 'email' }, 'scheduled', today);
    // 150 USD set-up + 0.02 per contact: the cap affords 3 contacts.
    assert.deepEqual(plan.audience, ['l2', 'l3', 'l1']);
    assert.deepEqual(plan.excluded, { belowMinScore: 1, overBudget: 1 });
    assert.equal(plan.budget.total, 150.06);
  });

  test('expects more responses from better-scored audiences', () => {
    const hot = planCampaign({ name: 'x', leads: ids(1000).map((leadId) => ({ leadId, score: 100 })) }, 'draft', today);
    const cold = planCampaign({ name: 'x', leads: ids(1000).map((leadId) => ({ leadId, score: 0 })) }, 'draft', today);
    assert.deepEqual([hot.expected.responses, cold.expected.responses], [30, 10]);
  });

  test('names the same request with the same id, and another request with another', () => {
    const a = planCampaign({ name: 'Q2', leadIds: ['l1', 'l2'] }, 'scheduled', today);
    const b = planCampaign({ name: 'Q2', leadIds: ['l1', 'l2'] }, 'scheduled', new Date('2026-06-01T00:00:00Z'));
    const c = planCampaign({ name: 'Q3', leadIds: ['l1', 'l2'] }, 'scheduled', today);
    assert.match(a.campaignId, /^cmp-[0-9a-f]{12}$/);
    assert.equal(a.campaignId, b.campaignId);
    assert.notEqual(a.campaignId, c.campaignId);
  });

  test('refuses impossible dates, an empty audience and a budget below the set-up cost', () => {
    const code = (err: any): boolean => err.code === 'AM_ERR_PROTOCOL_INVALID_PARAMS';
    assert.throws(() => planCampaign({ name: 'x', leadIds: ['l1'], startDate: '2026-02-30' }, 'draft', today), (err: any) => code(err) && /startDate must be a calendar date/.test(err.message));
    assert.throws(() => planCampaign({ name: 'x', leads: [{ leadId: 'l1', score: 10 }], minScore: 50 }, 'draft', today), (err: any) => code(err) && /minScore leaves no lead/.test(err.message));
    assert.throws(() => planCampaign({ name: 'x', leadIds: ['l1'], channel: 'ads', budgetCap: 400 }, 'draft', today), (err: any) => code(err) && /budgetCap of 400 USD does not cover/.test(err.message));
    assert.throws(() => planCampaign({ name: 'x' }, 'draft', today), (err: any) => code(err) && /at least one lead/.test(err.message));
  });
});

describe('campaignText', () => {
  test('reads the name, channel, start date and an industry-and-region audience', () => {
    const read = campaignText('launch "Spring Promo" by email to retail prospects in EMEA from 2026-03-02');
    assert.deepEqual(read.input, { name: 'Spring Promo', channel: 'email', startDate: '2026-03-02' });
    const expected = prospects.filter((l) => l.industry === 'retail' && l.region === 'emea').map((l) => l.id);
    assert.ok(expected.length > 0);
    assert.deepEqual(read.leadIds, expected);
    assert.equal(read.audienceLabel, 'retail in emea');
  });

  test('takes a name after "called" and lead ids written out', () => {
    const read = campaignText('start a LinkedIn outreach called Q3 Fintech to lead-002 and lead-7');
    assert.deepEqual(read.input, { name: 'Q3 Fintech', channel: 'linkedin' });
    assert.deepEqual(read.leadIds, ['lead-002', 'lead-007']);
  });

  test('does not read the pronoun "us" as a region', () => {
    assert.deepEqual(campaignText('send a newsletter from us to fintech').leadIds, prospects.filter((l) => l.industry === 'fintech').map((l) => l.id));
  });
});

describe('campaign-orchestrator agent', () => {
  const agent = startedForSuite(() => testAgent(campaignOrchestrator));
  const request = { name: 'Q3 Fintech', leads: [{ leadId: 'lead-002', score: 81 }, { leadId: 'lead-004', score: 64 }], channel: 'email', startDate: '2026-03-02' };

  test('launches a campaign from scored leads and charges per contact', async () => {
    const task = await agent().send({ data: request });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().status, 'scheduled');
    assert.deepEqual(task.data<any>().audience, ['lead-002', 'lead-004']);
    assert.deepEqual(task.usage, { credits: 5.1, units: { contacts: 2 } });
    assert.match(task.text('summary'), /^Scheduled cmp-[0-9a-f]{12} "Q3 Fintech": 2 contacts by email, 1 wave\(s\) 2026-03-02\.\.2026-03-02, budget 150\.04 USD/);
  });

  test('launching the same campaign twice gives the same campaign id', async () => {
    const [a, b] = await Promise.all([agent().send({ data: request }), agent().send({ data: request })]);
    assert.equal(a.data<any>().campaignId, b.data<any>().campaignId);
  });

  test('plans without launching for a flat fee', async () => {
    const task = await agent().send({ data: request }, { skill: 'plan-campaign' });
    assert.equal(task.data<any>().status, 'draft');
    assert.deepEqual(task.usage, { credits: 1, units: { contacts: 2 } });
  });

  test('asks for the audience when the text names none, then launches', async () => {
    const done = await askThenAnswer(agent(), { text: 'launch a campaign called Summer Push by SMS' }, /Who should the campaign reach/, { text: 'saas companies in APAC' });
    assert.equal(done.data<any>().name, 'Summer Push');
    assert.equal(done.data<any>().channel, 'sms');
    assert.equal(done.data<any>().audienceSize, prospects.filter((l) => l.industry === 'saas' && l.region === 'apac').length);
  });

  test('rejects a request without an audience before running', async () => {
    await assert.rejects(agent().send({ data: { name: 'Q3' } }), (err: A2ACallError) => err.code === -32602 && /data\.leadIds is required/.test(err.message));
  });
});
