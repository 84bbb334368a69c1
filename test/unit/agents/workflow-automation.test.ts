import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planCampaign } from '../../../agents/campaign-orchestrator/plan-campaign.js';
import { addBusinessDays, isoDate, parseIsoDate } from '../../../agents/shared/business-days.js';
import workflowAutomation from '../../../agents/workflow-automation.js';
import { launchRecords } from '../../../agents/workflow-automation/launch-records.js';
import { scheduleFollowUps } from '../../../agents/workflow-automation/schedule-followups.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateWebhookSecret, verifyStandardWebhook } from 'agentmesh';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const today = new Date('2026-03-04T15:00:00Z'); // a Wednesday
// 150 LinkedIn contacts: 100 go out on Thursday 2026-03-05, 50 on Friday 2026-03-06.
const ids = Array.from({ length: 150 }, (_, i) => `lead-${String(i + 1).padStart(3, '0')}`);
const launched = planCampaign({ name: 'Q2 outreach', leadIds: ids, channel: 'linkedin', startDate: '2026-03-05' }, 'scheduled', today);

test('business days skip weekends', () => {
  const thursday = parseIsoDate('2026-03-05')!;
  assert.deepEqual([0, 1, 2, 3, 6].map((n) => isoDate(addBusinessDays(thursday, n))), ['2026-03-05', '2026-03-06', '2026-03-09', '2026-03-10', '2026-03-13']);
  assert.equal(isoDate(addBusinessDays(parseIsoDate('2026-03-07')!, 0)), '2026-03-09', 'a Saturday moves to Monday');
  assert.equal(parseIsoDate('2026-02-30'), undefined);
});

describe('scheduleFollowUps', () => {
  test('gives every lead each step of the channel cadence, due business days after its own wave', () => {
    const plan = scheduleFollowUps(launched);
    assert.equal(plan.leads, 150);
    assert.equal(plan.tasks.length, 450, 'LinkedIn has three steps');
    assert.deepEqual(plan.cadence.map((c) => [c.afterBusinessDays, c.channel, c.automated]), [[3, 'linkedin', false], [6, 'email', true], [10, 'phone', false]]);
    const first = plan.tasks.filter((t) => t.leadId === 'lead-001');
    const last = plan.tasks.filter((t) => t.leadId === 'lead-150');
    // lead-001 went out on Thursday 03-05, lead-150 on Friday 03-06: each follows its own send date.
    assert.deepEqual(first.map((t) => t.dueDate), ['2026-03-10', '2026-03-13', '2026-03-19']);
    assert.deepEqual(last.map((t) => t.dueDate), ['2026-03-11', '2026-03-16', '2026-03-20']);
    assert.deepEqual(first[0], { taskId: `${launched.campaignId}/lead-001/1`, leadId: 'lead-001', owner: 'lena.fischer@example.com', step: 1, channel: 'linkedin', action: 'LinkedIn follow-up message', automated: false, dueDate: '2026-03-10' });
    assert.equal(plan.firstDue, '2026-03-10');
    assert.equal(plan.lastDue, '2026-03-20');
    assert.equal(Object.values(plan.byDate).reduce((a, b) => a + b, 0), 450);
    assert.ok(plan.tasks.every((t, i) => i === 0 || plan.tasks[i - 1]!.dueDate <= t.dueDate), 'tasks are listed by due date');
  });

  test('owners: territory owners by default, round-robin over the given ones', () => {
    const byTerritory = scheduleFollowUps(launched);
    assert.ok(Object.keys(byTerritory.byOwner).every((o) => /^(sam\.rivera|lena\.fischer|diego\.santos|mei\.tan)@example\.com$/.test(o)), Object.keys(byTerritory.byOwner).join());
    const shared = scheduleFollowUps(launched, ['ana@example.com', 'ben@example.com', 'cy@example.com']);
    assert.deepEqual(shared.byOwner, { 'ana@example.com': { tasks: 150, manual: 100 }, 'ben@example.com': { tasks: 150, manual: 100 }, 'cy@example.com': { tasks: 150, manual: 100 } });
    assert.equal(shared.tasks.find((t) => t.leadId === 'lead-004')!.owner, 'ana@example.com');
  });

  test('is deterministic: the same campaign gives the same tasks', () => {
    assert.deepEqual(scheduleFollowUps(launched), scheduleFollowUps(structuredClone(launched)));
  });

  test('refuses a draft, waves that do not add up and a lead listed twice', () => {
    assert.throws(() => scheduleFollowUps({ ...launched, status: 'draft' }), /campaign\.status is draft: launch the campaign first/);
    assert.throws(() => scheduleFollowUps({ ...launched, schedule: { waves: [{ date: '2026-03-05', contacts: 10 }] } }), /campaign\.schedule\.waves send to 10 contacts but the audience has 150/);
    assert.throws(() => scheduleFollowUps({ ...launched, audience: [...ids.slice(0, 149), 'lead-001'] }), /campaign\.audience lists lead-001 twice/);
    assert.throws(() => scheduleFollowUps({ ...launched, audience: ['lead-001'], schedule: { waves: [{ date: '2026-13-01', contacts: 1 }] } }), /waves\[0\]\.date must be a calendar date/);
  });
});

test('launchRecords: one queued CRM record per lead with its wave and send date, stable ids', () => {
  const r = launchRecords(launched);
  assert.equal(r.count, 150);
  assert.deepEqual(r.byWave, [{ wave: 1, date: '2026-03-05', contacts: 100 }, { wave: 2, date: '2026-03-06', contacts: 50 }]);
  assert.deepEqual(r.records[100], { recordId: `${launched.campaignId}/lead-101`, campaignId: launched.campaignId, leadId: 'lead-101', company: 'Company 101', owner: r.records[100]!.owner, channel: 'linkedin', wave: 2, sendDate: '2026-03-06', status: 'queued' });
  assert.equal(Object.values(r.byOwner).reduce((a, b) => a + b, 0), 150);
});

describe('workflow-automation agent', () => {
  const agent = startedForSuite(() => testAgent(workflowAutomation));

  test('schedules follow-ups for campaign-orchestrator\'s launch output and charges per lead', async () => {
    const task = await agent().send({ data: { campaign: launched, owners: ['ana@example.com'] } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED', task.statusText);
    assert.equal(task.data<any>().tasks.length, 450);
    assert.deepEqual(task.data<any>().byOwner, { 'ana@example.com': { tasks: 450, manual: 300 } });
    assert.deepEqual(task.usage, { credits: 3, units: { leads: 150, tasks: 450 } });
    assert.match(task.text('summary'), /^450 follow-up tasks for 150 leads of "Q2 outreach", 2026-03-10\.\.2026-03-20/);
  });

  test('writes launch records', async () => {
    const task = await agent().send({ data: { campaign: launched } }, { skill: 'launch-records' });
    assert.equal(task.data<any>().count, 150);
    assert.deepEqual(task.usage, { credits: 1.5, units: { records: 150 } });
  });

  test('reads a campaign from text, and asks for the leads when the text names none', async () => {
    const direct = await agent().send({ text: 'schedule email follow-ups for lead-002 and lead-004, sent on 2026-03-02' });
    assert.equal(direct.state, 'TASK_STATE_COMPLETED', direct.statusText);
    assert.equal(direct.data<any>().tasks.length, 8, 'four email-cadence steps per lead');
    assert.equal(direct.data<any>().firstDue, '2026-03-04');
    const done = await askThenAnswer(agent(), { text: 'schedule the follow-ups of our SMS campaign' }, /Which leads did the campaign reach\?/, { text: 'lead-010, sent 2026-03-02' });
    assert.equal(done.data<any>().channel, 'sms', 'the channel of the first message still counts');
    assert.deepEqual(done.data<any>().tasks.map((t: { dueDate: string }) => t.dueDate), ['2026-03-03', '2026-03-06']);
  });

  test('refuses a draft campaign with the field named', async () => {
    const task = await agent().send({ data: { campaign: { ...launched, status: 'draft' } } });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /campaign\.status is draft/);
    await assert.rejects(agent().send({ data: { campaign: { ...launched, channel: 'fax' } } }), (err: A2ACallError) => err.code === -32602 && /channel/.test(err.message));
  });

  test('hands the follow-ups and CRM records to the engine\'s workflow, signed, and completes from its callback', async (t) => {
    const secret = generateWebhookSecret();
    const received: Array<{ headers: Record<string, string | string[] | undefined>; raw: Buffer }> = [];
    const engine = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"executionId":"913","status":"running"}');
      });
    });
    await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => engine.close(() => resolve())));
    const url = `http://127.0.0.1:${(engine.address() as AddressInfo).port}/webhook/followups`;
    await using automation = await testAgent(workflowAutomation, { config: { allowHosts: ['127.0.0.1'], workflowHooks: { followups: { url, engine: 'n8n', secrets: [secret], callback: true } } } });
    const small = planCampaign({ name: 'Spring', leadIds: ['lead-002', 'lead-004'], channel: 'email', startDate: '2026-03-02' }, 'scheduled', today);
    const started = await automation.start({ data: { campaign: small, owners: ['ana@example.com'] } }, { skill: 'launch-automation' });
    for (let i = 0; i < 50 && received.length === 0; i++) {
      if ((await automation.runtime.deliverPushNow()) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(received.length, 1);
    verifyStandardWebhook({ headers: received[0]!.headers, body: received[0]!.raw, secrets: [secret] });
    const { data } = JSON.parse(received[0]!.raw.toString('utf8'));
    assert.equal(data.agent, 'workflow-automation');
    assert.equal(data.skill, 'launch-automation');
    assert.deepEqual(data.payload.campaign, { campaignId: small.campaignId, name: 'Spring', channel: 'email', leads: 2 });
    assert.equal(data.payload.followUps.tasks.length, 8, 'four email steps per lead');
    assert.deepEqual(data.payload.crmRecords.map((r: { recordId: string; owner: string }) => [r.recordId, r.owner]), [[`${small.campaignId}/lead-002`, 'ana@example.com'], [`${small.campaignId}/lead-004`, 'ana@example.com']]);
    const waiting = await automation.get(started);
    assert.equal(waiting.state, 'TASK_STATE_WORKING');
    assert.equal((waiting.task.metadata as any)['agentmesh.workflow'].executionId, '913');

    const callback = new URL(data.callbackUrl);
    const answer = await automation.runtime.app.inject({ method: 'POST', url: callback.pathname + callback.search, headers: { 'content-type': 'application/json' }, payload: { status: 'succeeded', executionId: '913', result: { created: 8, crmRecords: 2 } } });
    assert.equal(answer.statusCode, 200, answer.body);
    const done = await automation.get(started);
    assert.equal(done.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(done.result, { created: 8, crmRecords: 2 });
  });

  test('refuses to launch more leads than one launch carries, and fails when no hook is configured', async () => {
    const big = planCampaign({ name: 'Big', leadIds: Array.from({ length: 501 }, (_, i) => `lead-${String(i + 1).padStart(3, '0')}`), channel: 'email', startDate: '2026-03-02' }, 'scheduled', today);
    const tooMany = await agent().send({ data: { campaign: big } }, { skill: 'launch-automation' });
    assert.equal(tooMany.state, 'TASK_STATE_FAILED');
    assert.match(tooMany.statusText, /campaign\.audience has 501 leads; automate at most 500 per call/);
    const noHook = await agent().send({ data: { campaign: launched } }, { skill: 'launch-automation' });
    assert.equal(noHook.state, 'TASK_STATE_FAILED');
    assert.match(noHook.statusText, /No workflow hook named "followups" is configured for agent workflow-automation \(workflowHooks: none\)/);
  });
});
