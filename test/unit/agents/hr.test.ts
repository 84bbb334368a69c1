import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import hr from '../../../agents/hr.js';
import { answerPolicyQuestion, policyPassages } from '../../../agents/hr/policy-index.js';
import { queryTerm, terms } from '../../../agents/hr/policy-terms.js';
import { testAgent, type A2ACallError } from 'agentmesh/testing';
import { startedForSuite } from '../../helpers/suite-fixture.js';

describe('answerPolicyQuestion', () => {
  test('answers from the right section with the sentence that carries the answer', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['how much paid vacation does a full-time employee earn?', 'Vacation and paid time off', /25 days of paid vacation/],
      ['what leave do adoptive parents get?', 'Parental leave', /12 weeks of fully paid parental leave/],
      ['is there a daily meal allowance on business trips?', 'Travel and expenses', /60 USD per day/],
      ['what do I do if my work laptop is stolen?', 'Equipment and IT', /Report a lost or stolen device/],
      ['how long can I work remotely from abroad?', 'Remote and hybrid work', /another country for up to 20 working days/],
    ];
    for (const [question, section, sentence] of cases) {
      const answer = answerPolicyQuestion(question);
      assert.equal(answer.section, section, question);
      assert.match(answer.answer, sentence, question);
      assert.ok(answer.answer.startsWith(`${section}: `));
    }
  });

  test('maps everyday words to the handbook\'s: a pregnancy question finds parental leave', () => {
    assert.equal(answerPolicyQuestion('I am pregnant, how much time off will I have?').section, 'Parental leave');
    assert.deepEqual(queryTerm('WFH'), ['wfh', 'remot', 'home']);
  });

  test('returns the top passages, best first, scaled to the best', () => {
    const { passages } = answerPolicyQuestion('harassment reporting hotline', 2);
    assert.equal(passages.length, 2);
    assert.equal(passages[0]!.score, 1);
    assert.ok(passages[1]!.score <= 1);
    assert.ok(passages.every((p) => policyPassages.some((q) => q.id === p.id && q.text === p.text)));
  });

  test('points to HR when the handbook has nothing', () => {
    assert.deepEqual(answerPolicyQuestion('what is the airspeed velocity of a swallow'), { answer: 'I could not find this in the employee handbook; please ask HR at hr@example.com.', section: undefined, passages: [] });
  });
});

test('terms drops stop words and stems', () => {
  assert.deepEqual(terms('How do I report the Harassment?'), ['report', 'harass']);
});

describe('hr agent', () => {
  const agent = startedForSuite(() => testAgent(hr));

  test('answers a question sent as data, with as many passages as asked, and charges per question', async () => {
    const task = await agent().send({ data: { question: 'do unused vacation days carry over?', topK: 1 } });
    assert.equal(task.state, 'TASK_STATE_COMPLETED');
    assert.equal(task.data<any>().passages.length, 1);
    assert.match(task.text('answer'), /^Vacation and paid time off: Up to five unused vacation days carry over/);
    assert.deepEqual(task.usage, { credits: 0.2, units: { questions: 1 } });
  });

  test('answers a question sent as text', async () => {
    const task = await agent().send({ text: 'how many days of sick leave are paid?' });
    assert.equal(task.data<any>().section, 'Sick leave');
  });

  test('rejects a topK out of range before running', async () => {
    await assert.rejects(agent().send({ data: { question: 'vacation', topK: 50 } }), (err: A2ACallError) => err.code === -32602 && /topK must be <= 10/.test(err.message));
  });
});
