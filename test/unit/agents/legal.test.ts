import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import legal from '../../../agents/legal.js';
import { contractSentences } from '../../../agents/legal/clauses.js';
import { periodsInDays } from '../../../agents/legal/notice-period.js';
import { reviewContract } from '../../../agents/legal/review-contract.js';
import { testAgent } from 'agentmesh/testing';
import { askThenAnswer } from './ask-then-answer.js';
import { startedForSuite } from '../../helpers/suite-fixture.js';

const ONE_SIDED = `MASTER SERVICES AGREEMENT

1. Services. Supplier shall provide the services described in Exhibit A to Customer.

2. Term. This Agreement begins on the Effective Date and continues for one (1) year. Thereafter it shall automatically renew for successive one-year terms unless either party gives notice of non-renewal at least ninety (90) days before the end of the then-current term.

3. Fees. Supplier may change the fees at any time by posting new prices on its website.

4. Termination. Supplier may terminate this Agreement on five (5) days' written notice. Customer may terminate for material breach not cured within thirty (30) days.

5. Indemnification. Customer shall indemnify, defend and hold harmless Supplier from any and all claims arising out of Customer's use of the services.

6. Liability. Customer's liability under this Agreement shall be unlimited.

7. Governing Law. This Agreement is governed by the laws of the State of Texas, without regard to its conflict of laws rules.

8. Exclusivity. During the Term, Customer shall not engage any other provider for similar services.
`;

const BALANCED = `SOFTWARE SUBSCRIPTION AGREEMENT

1. Subscription. Provider grants Customer a non-transferable right to use the software during the Term.

2. Term. This Agreement has a term of twelve (12) months from the Effective Date and ends unless renewed by written agreement of both parties.

3. Termination. Either party may terminate this Agreement for convenience on sixty (60) days' written notice to the other party.

4. Indemnification. Each party shall indemnify the other party against third-party claims caused by its breach of this Agreement.

5. Limitation of Liability. Each party's aggregate liability shall not exceed the fees paid in the twelve (12) months before the claim.

6. Governing Law. This Agreement is governed by the laws of the State of Delaware.
`;

describe('reviewContract', () => {
  test('flags every risky clause of a one-sided contract, worst first, citing the clause', () => {
    const review = reviewContract(ONE_SIDED);
    assert.deepEqual(
      review.findings.map((f) => [f.rule, f.severity, f.clause]),
      [
        ['liability-cap', 'high', '6'],
        ['auto-renewal', 'high', '2'],
        ['termination-notice', 'high', '4'],
        ['indemnity', 'high', '5'],
        ['unilateral-changes', 'high', '3'],
        ['governing-law', 'medium', '7'],
        ['exclusivity', 'medium', '8'],
      ],
    );
    assert.equal(review.riskLevel, 'high');
    assert.deepEqual(review.summary, { high: 5, medium: 2, low: 0 });
    assert.equal(review.complete, true);
    const termination = review.findings.find((f) => f.rule === 'termination-notice')!;
    assert.equal(termination.excerpt, "Supplier may terminate this Agreement on five (5) days' written notice.");
    assert.match(termination.explanation, /only 5 days' notice/);
    assert.match(review.findings.find((f) => f.rule === 'auto-renewal')!.explanation, /cancelled 90 days before/);
    assert.equal(review.findings.find((f) => f.rule === 'governing-law')!.title, 'Governed by the law of Texas');
  });

  test('passes a balanced contract', () => {
    const review = reviewContract(BALANCED);
    assert.deepEqual(review.findings, []);
    assert.equal(review.riskLevel, 'low');
    assert.ok(review.checks.every((c) => c.status === 'ok'), JSON.stringify(review.checks));
  });

  test('reads the governing law under a title written in sentence case ("Governing law.")', () => {
    const review = reviewContract(BALANCED.replace(/6\. Governing Law\. This Agreement is governed by the laws of the State of Delaware\./, '6. Governing law. This Agreement is governed by the laws of England.'));
    const finding = review.findings.find((f) => f.rule === 'governing-law');
    assert.equal(finding?.title, 'Governed by the law of England', JSON.stringify(review.findings));
  });

  test('reports what a full contract lacks, but not what an excerpt does not quote', () => {
    const missing = reviewContract(BALANCED.replace(/5\. Limitation[^\n]*\n/, '').replace(/6\. Governing[^\n]*\n/, '').concat('\n7. Notices. Notices shall be given in writing to the addresses of the parties set out above.\n'));
    assert.deepEqual(missing.findings.map((f) => [f.rule, f.severity, f.clause]), [['liability-cap', 'medium', undefined], ['governing-law', 'medium', undefined]]);
    assert.deepEqual(missing.checks.filter((c) => c.status === 'missing').map((c) => c.rule), ['liability-cap', 'governing-law']);
    const excerpt = reviewContract('The term shall automatically renew for successive one-year periods.');
    assert.equal(excerpt.complete, false);
    assert.deepEqual(excerpt.findings.map((f) => f.title), ['Automatic renewal without a stated way out']);
    assert.equal(excerpt.checks.filter((c) => c.status === 'not-found').length, 6);
  });

  test('accepts the jurisdictions and the side it is told', () => {
    const texas = reviewContract(ONE_SIDED, { preferredJurisdictions: ['Texas'] });
    assert.ok(!texas.findings.some((f) => f.rule === 'governing-law'));
    const asSupplier = reviewContract(ONE_SIDED, { ourRoles: ['Supplier'] });
    assert.ok(!asSupplier.findings.some((f) => f.rule === 'indemnity'), 'the customer indemnifying us is no risk to us');
  });

  test('calls a cap of a few months of fees low', () => {
    const review = reviewContract('Supplier\'s aggregate liability shall not exceed the fees paid in the three (3) months before the claim.');
    assert.deepEqual(review.findings.map((f) => [f.rule, f.severity, f.title]), [['liability-cap', 'low', 'Low liability cap']]);
  });
});

test('periodsInDays reads figures, words, parentheses and units', () => {
  assert.deepEqual(periodsInDays('on thirty (30) days notice'), [30]);
  assert.deepEqual(periodsInDays('within 5 business days or three months'), [5, 90]);
  assert.deepEqual(periodsInDays("ninety calendar days' notice"), [90]);
  assert.deepEqual(periodsInDays('two weeks'), [14]);
});

test('contractSentences keeps clause numbers, lifts titles and drops questions', () => {
  assert.deepEqual(contractSentences('Is this fair?\n\n7. Governing Law. This Agreement is governed by the laws of England and Wales. Acme Inc. agrees.\n7.1 Venue: London.'), [
    { clause: '7', heading: 'Governing Law', text: 'This Agreement is governed by the laws of England and Wales.' },
    { clause: '7', heading: 'Governing Law', text: 'Acme Inc. agrees.' },
    { clause: '7.1', text: 'Venue: London.' },
  ]);
});

describe('legal agent', () => {
  const agent = startedForSuite(() => testAgent(legal));

  test('reviews contract text and charges per review', async () => {
    const task = await agent().send({ text: `Please review this contract:\n\n${ONE_SIDED}` });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().riskLevel, 'high');
    assert.equal(task.data<any>().findings.length, 7);
    assert.deepEqual(task.usage, { credits: 2, units: { clauses: task.data<any>().clausesReviewed } });
    assert.match(task.text('summary'), /^Risk high: 5 high, 2 medium, 0 low\n\[high\] Unlimited liability \(clause 6\)/);
  });

  test('asks for the contract when the message only talks about one', async () => {
    const done = await askThenAnswer(agent(), { text: 'can you check the NDA before I sign?' }, /paste the contract text/, { text: BALANCED });
    assert.equal(done.data<any>().riskLevel, 'low');
  });

  test('fails a data request whose text is no contract', async () => {
    const task = await agent().send({ data: { text: 'hello, how are you today? I hope all is well with you' } });
    assert.equal(task.state, 'TASK_STATE_FAILED');
    assert.match(task.statusText, /text is not contract text/);
  });
});
