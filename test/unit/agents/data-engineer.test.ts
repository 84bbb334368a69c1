import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dataEngineer from '../../../agents/data-engineer.js';
import { contactLines } from '../../../agents/data-engineer/contact-lines.js';
import { dedupeRecords } from '../../../agents/data-engineer/dedupe.js';
import { enrichLead, revenueBand, segmentOf, sizeBand } from '../../../agents/data-engineer/firmographics.js';
import { jaroWinkler } from '../../../agents/data-engineer/jaro-winkler.js';
import { normalizeCompany, normalizeEmail, normalizeName } from '../../../agents/data-engineer/normalize.js';
import leadsData from '../../../agents/data/leads.json' with { type: 'json' };
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 0.001, `${actual} ≈ ${expected}`);

describe('Jaro-Winkler similarity', () => {
  test('matches the published reference values', () => {
    close(jaroWinkler('martha', 'marhta'), 0.961);
    close(jaroWinkler('dwayne', 'duane'), 0.84);
    close(jaroWinkler('dixon', 'dicksonx'), 0.813);
  });

  test('is 1 for equal strings and 0 for strings with nothing in common', () => {
    assert.equal(jaroWinkler('acme', 'acme'), 1);
    assert.equal(jaroWinkler('', ''), 1);
    assert.equal(jaroWinkler('abc', ''), 0);
    assert.equal(jaroWinkler('abc', 'xyz'), 0);
  });
});

describe('normal forms', () => {
  test('names ignore case, honorifics, punctuation and word order', () => {
    assert.equal(normalizeName('Dr. Jane  Doe'), 'doe jane');
    assert.equal(normalizeName('DOE, jane'), 'doe jane');
    assert.equal(normalizeName('José Núñez'), 'jose nunez');
  });

  test('companies drop their legal form', () => {
    assert.equal(normalizeCompany('The Acme Corp.'), 'acme');
    assert.equal(normalizeCompany('ACME, Inc'), 'acme');
    assert.equal(normalizeCompany('Smith & Sons GmbH'), 'smith and sons');
    assert.equal(normalizeCompany('The Company'), 'the company', 'a name made only of suffixes is kept');
  });

  test('emails drop tags, and dots for Gmail only', () => {
    assert.equal(normalizeEmail(' Jane.Doe+crm@GMAIL.com '), 'janedoe@gmail.com');
    assert.equal(normalizeEmail('jane.doe@googlemail.com'), 'janedoe@gmail.com');
    assert.equal(normalizeEmail('jane.doe+x@acme.com'), 'jane.doe@acme.com');
    assert.equal(normalizeEmail('not an address'), '');
  });
});

describe('dedupeRecords', () => {
  const records = [
    { id: 'a', name: 'Jane Doe', email: 'jane.doe@acme.com', company: 'Acme Inc.' },
    { id: 'b', name: 'Dr. Jane Doe', email: 'JANE.DOE+crm@acme.com', company: 'ACME', phone: '+1 555 0100' },
    { id: 'c', name: 'John Smith', email: 'john@globex.com', company: 'Globex Corporation' },
    { id: 'd', name: 'Jon Smith', company: 'Globex Corp' },
    { id: 'e', name: 'John Smith', email: 'jsmith@initech.com', company: 'Initech' },
    { id: 'f', company: 'Company 001' },
    { id: 'g', company: 'Company 002' },
  ];

  test('merges the same person spelt differently and keeps different people apart', () => {
    const result = dedupeRecords(records);
    assert.deepEqual(result.records.map((r) => [r.id, r.mergedIds]), [['a', ['b']], ['c', ['d']], ['e', []], ['f', []], ['g', []]]);
    assert.equal(result.removedCount, 2);
    assert.equal(result.uniqueCount, 5);
    assert.deepEqual(result.duplicates[0], { keep: 'a', duplicates: [{ id: 'b', score: 1, reason: 'same email' }] });
    assert.match(result.duplicates[1]!.duplicates[0]!.reason, /^name 0\.9\d, company 1\.00$/);
  });

  test('fills the kept record\'s blanks from its duplicates', () => {
    const kept = dedupeRecords(records).records[0]!;
    assert.equal(kept.phone, '+1 555 0100');
    assert.equal(kept.name, 'Jane Doe', 'present fields are not overwritten');
  });

  test('treats names that differ only in a number as different', () => {
    const result = dedupeRecords([{ company: 'Company 001' }, { company: 'Company 002' }, { company: 'Company 001 Ltd' }]);
    assert.deepEqual(result.records.map((r) => r.id), ['record-1', 'record-2']);
    assert.deepEqual(result.records[0]!.mergedIds, ['record-3']);
  });

  test('a higher threshold merges less', () => {
    assert.equal(dedupeRecords(records, { threshold: 1 }).removedCount, 1, 'only the same mailbox is certain');
  });

  test('reports progress up to the last record', () => {
    const seen: number[] = [];
    dedupeRecords(records, { onProgress: (done) => seen.push(done) });
    assert.equal(seen.at(-1), records.length);
  });
});

test('contactLines reads pasted records and skips the request around them', () => {
  const parsed = contactLines('Please dedupe these:\nJane Doe, jane@acme.com, Acme Inc\n- Doe Jane; <jane@acme.com>; ACME\nThanks a lot');
  assert.deepEqual(parsed, [
    { name: 'Jane Doe', email: 'jane@acme.com', company: 'Acme Inc' },
    { name: 'Doe Jane', email: 'jane@acme.com', company: 'ACME' },
  ]);
});

describe('firmographics', () => {
  test('bands headcount and revenue at their boundaries', () => {
    assert.deepEqual([9, 10, 49, 50, 249, 250, 999, 1000].map(sizeBand), ['micro', 'small', 'small', 'medium', 'medium', 'large', 'large', 'enterprise']);
    assert.deepEqual([9.9, 10, 49.9, 50, 249.9, 250].map(revenueBand), ['<10M', '10M-50M', '10M-50M', '50M-250M', '50M-250M', '250M+']);
  });

  test('the segment follows the larger of headcount and revenue', () => {
    assert.equal(segmentOf(12, 5), 'smb');
    assert.equal(segmentOf(40, 300), 'enterprise');
    assert.equal(segmentOf(320, 20), 'mid-market');
  });

  test('enriches a sample lead from the company data', () => {
    const lead = leadsData.leads.find((l) => l.id === 'lead-001')!;
    assert.deepEqual(enrichLead(lead, 'apollo'), {
      leadId: 'lead-001', company: lead.company, industry: 'logistics', region: 'emea', regionName: 'Europe, Middle East & Africa',
      employees: 12, sizeBand: 'small', annualRevenueMUsd: 296.7, revenueBand: '250M+', segment: 'enterprise',
      audienceKey: 'enterprise/logistics/emea', engagement: 'warm', provider: 'apollo',
    });
  });
});

describe('data-engineer agent', () => {
  const agent = startedForSuite(() => testAgent(dataEngineer));

  test('enriches known leads, reports unknown ones and charges per lead enriched', async () => {
    const task = await agent().send({ data: { leadIds: ['lead-001', 'lead-002', 'lead-999', 'lead-001'], provider: 'clearbit' } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.deepEqual(task.data<any>().leadIds, ['lead-001', 'lead-002']);
    assert.deepEqual(task.data<any>().enrichedLeadIds, ['lead-001', 'lead-002']);
    assert.deepEqual(task.data<any>().notFound, ['lead-999']);
    assert.equal(task.data<any>().count, 2);
    assert.equal(task.data<any>().leads[1].provider, 'clearbit');
    assert.deepEqual(task.usage, { credits: 4, units: { leads: 2 } });
  });

  test('reads lead ids from text', async () => {
    const task = await agent().send({ text: 'enrich lead-3 and lead-014 please' });
    assert.deepEqual(task.data<any>().leadIds, ['lead-003', 'lead-014']);
  });

  test('asks which leads when the text names none, then enriches the answer', async () => {
    const done = await askThenAnswer(agent(), { text: 'enrich my leads' }, /Which leads/, { text: 'all' });
    assert.equal(done.data<any>().count, leadsData.leads.length);
  });

  test('fails with the unknown ids when none is in the database', async () => {
    const task = await agent().send({ data: { leadIds: ['lead-999', 'nope'] } });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /leadIds match no lead of the company database \(lead-999, nope\)/);
  });

  test('rejects an unknown provider before running', async () => {
    await assert.rejects(agent().send({ data: { leadIds: ['lead-001'], provider: 'acme-data' } }), (err: A2ACallError) => err.code === -32602 && /provider must be one of sample-crm, apollo, clearbit, zoominfo/.test(err.message));
  });

  test('dedupes records sent as data and charges per record', async () => {
    const task = await agent().send({ data: { records: [{ name: 'Jane Doe', company: 'Acme Inc' }, { name: 'doe, jane', company: 'ACME' }, { name: 'Max Mustermann', company: 'Initech' }] } }, { skill: 'dedupe-leads' });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().uniqueCount, 2);
    assert.equal(task.text('summary'), '3 records, 2 unique, 1 duplicates merged');
    assert.deepEqual(task.usage, { credits: 0.3, units: { records: 3 } });
  });

  test('refuses a record with nothing to compare', async () => {
    const task = await agent().send({ data: { records: [{ name: 'Jane' }, { id: 'x' }] } }, { skill: 'dedupe-leads' });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /records\[1\] needs a name, an email or a company/);
  });
});
