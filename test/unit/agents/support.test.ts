import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import support from '../../../agents/support.js';
import { triageTicket } from '../../../agents/support/triage-ticket.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const pick = (body: string, extra: { subject?: string; customerTier?: 'free' | 'enterprise' } = {}): [string, string, string] => {
  const t = triageTicket({ body, ...extra });
  return [t.category, t.priority, t.team];
};

describe('triageTicket', () => {
  test('sends each kind of ticket to its team', () => {
    assert.deepEqual(pick('The API returns 503 and the app is not loading'), ['outage', 'P2', 'SRE on-call']);
    assert.deepEqual(pick('I am locked out since I changed my phone for MFA'), ['login', 'P3', 'Identity & Access']);
    assert.deepEqual(pick('We were charged twice for March, please refund one payment'), ['billing', 'P3', 'Billing Operations']);
    assert.deepEqual(pick('Saving a report crashes with an exception'), ['bug', 'P3', 'Product Engineering']);
    assert.deepEqual(pick('Could you add an export to Google Sheets?'), ['feature-request', 'P4', 'Product Management']);
    assert.deepEqual(pick('Under GDPR please delete my personal data'), ['data-privacy', 'P2', 'Privacy Office']);
    assert.deepEqual(pick('We need to add more seats to our plan'), ['account', 'P4', 'Customer Success']);
  });

  test('raises the priority one level each for broad impact, urgency and an enterprise customer', () => {
    const t = triageTicket({ subject: 'URGENT', body: 'Checkout is down for all customers', customerTier: 'enterprise' });
    assert.equal(t.priority, 'P1', 'never above P1');
    assert.deepEqual(t.escalations, ['broad impact ("all customers")', 'marked urgent ("URGENT")', 'enterprise customer']);
    assert.equal(t.firstResponseHours, 1);
    assert.equal(triageTicket({ body: 'Saving a report crashes', customerTier: 'enterprise' }).priority, 'P2');
  });

  test('keeps a feature request at P3 or below however urgent it sounds', () => {
    assert.equal(triageTicket({ body: 'URGENT feature request: please add SAML for everyone', customerTier: 'enterprise' }).priority, 'P3');
  });

  test('prefers the more serious category on equal evidence and lists the others', () => {
    const t = triageTicket({ body: 'Our account was hacked and I cannot log in' });
    assert.equal(t.category, 'security');
    assert.deepEqual(t.alternatives.map((a) => a.category), ['login', 'account']);
    assert.ok(t.confidence > 0 && t.confidence < 1);
    assert.deepEqual(t.matched, ['hacked']);
  });

  test('hands what it cannot read to tier 1', () => {
    assert.deepEqual(triageTicket({ body: 'Hello, quick question for you' }), {
      category: 'general', priority: 'P3', team: 'Customer Support (tier 1)', firstResponseHours: 24, confidence: 0, matched: [], escalations: [], alternatives: [],
    });
  });
});

describe('support agent', () => {
  const agent = startedForSuite(() => testAgent(support));

  test('triages a ticket sent as data and charges per ticket', async () => {
    const task = await agent().send({ data: { subject: 'Export broken', body: 'CSV export fails with an exception', customerTier: 'enterprise' } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual([task.data<any>().category, task.data<any>().priority], ['bug', 'P2']);
    assert.equal(task.text('summary'), 'P2 bug → Product Engineering (first response within 4 h)');
    assert.deepEqual(task.usage, { credits: 0.5, units: { tickets: 1 } });
  });

  test('triages ticket text', async () => {
    const task = await agent().send({ text: 'Nobody can sign in, the whole site is down!' });
    assert.deepEqual([task.data<any>().category, task.data<any>().priority], ['outage', 'P1']);
  });

  test('rejects an unknown customer tier before running', async () => {
    await assert.rejects(agent().send({ data: { body: 'help', customerTier: 'platinum' } }), (err: A2ACallError) => err.code === -32602 && /customerTier must be one of [a-z, ]+/.test(err.message));
  });
});
