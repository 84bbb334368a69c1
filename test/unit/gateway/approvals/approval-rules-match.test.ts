import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConditionSyntaxError, parseCondition, type ConditionFacts } from '../../../../src/gateway/approvals/approval-condition.js';
import { ApprovalMatcher } from '../../../../src/gateway/approvals/approval-matcher.js';
import { approvalRuleSchema, type ApprovalRule } from '../../../../src/gateway/approvals/approval-rule.js';

const facts = (over: Partial<ConditionFacts> = {}): ConditionFacts => ({ price: 10, input: { amount: 5000, vendor: 'Acme Ltd' }, agent: 'payments', skill: 'pay', tenant: 'acme', ...over });
const rule = (over: Partial<ApprovalRule>): ApprovalRule => ({ id: 'r', approverScope: 'gateway:approve', expiresAfterMs: 60_000, source: 'api', ...over });

describe('approval conditions', () => {
  test('read the price, the skill input and the call names', () => {
    assert.equal(parseCondition('price > 5').test(facts()), true);
    assert.equal(parseCondition('price > 50').test(facts()), false);
    assert.equal(parseCondition('input.amount >= 5000 && skill == "pay"').test(facts()), true);
    assert.equal(parseCondition("input['vendor'] == 'Acme Ltd'").test(facts()), true);
    assert.equal(parseCondition('contains(input.vendor, "acme")').test(facts()), true);
    assert.equal(parseCondition('!(tenant == "acme") || agent != "payments"').test(facts()), false);
    assert.equal(parseCondition('contains(input, "contract")').test(facts({ input: 'send the Contract out' })), true);
  });

  test('compare without coercion: a string is never more than a number, a missing field equals null', () => {
    assert.equal(parseCondition('input.amount > 100').test(facts({ input: { amount: '5000' } })), false);
    assert.equal(parseCondition('input.missing == null').test(facts()), true);
    assert.equal(parseCondition('input.a.b.c > 1').test(facts()), false);
    assert.equal(parseCondition('input == input').test(facts()), false, 'objects are never equal');
  });

  test('refuse names, functions and operators they do not know, and prototype reads', () => {
    for (const bad of ['process.exit()', 'foo > 1', 'input.__proto__', 'input.constructor', 'price | 1', 'x => 1', 'input[price]', 'this', 'contains(1)', '', 'price >']) {
      assert.throws(() => parseCondition(bad), ConditionSyntaxError, bad);
    }
    assert.throws(() => parseCondition('1 + '.repeat(400) + '1'), ConditionSyntaxError);
  });

  test('never throw once parsed, whatever the input (property)', () => {
    const condition = parseCondition('input.amount > 10 || contains(input.note, "x") || input[0] == "a" || -input.n < 0');
    fc.assert(
      fc.property(fc.jsonValue(), fc.double(), (input, price) => {
        const result = condition.test(facts({ input, price }));
        assert.equal(typeof result, 'boolean');
      }),
    );
  });

  test('a price condition holds exactly above its limit (property)', () => {
    const condition = parseCondition('price > 50');
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), (milli) => condition.test(facts({ price: milli / 1000 })) === milli > 50_000));
  });
});

describe('approval rules', () => {
  test('the first rule whose names match and whose condition holds gates the call', () => {
    const matcher = new ApprovalMatcher([
      rule({ id: 'other-agent', agent: 'hr' }),
      rule({ id: 'big', agent: 'payments', condition: 'input.amount > 10000' }),
      rule({ id: 'acme-pay', tenant: 'acme', skill: 'pay' }),
    ]);
    assert.equal(matcher.match(facts())?.id, 'acme-pay');
    assert.equal(matcher.match(facts({ input: { amount: 20000 } }))?.id, 'big');
    assert.equal(matcher.match(facts({ tenant: 'globex' })), undefined);
    assert.equal(matcher.match(facts({ agent: 'hr' }))?.id, 'other-agent');
  });

  test('a rule naming a skill never matches a call whose skill is unknown', () => {
    const matcher = new ApprovalMatcher([rule({ skill: 'pay' })]);
    assert.equal(matcher.match(facts({ skill: '' })), undefined);
  });

  test('a stored condition that no longer parses gates every call its names match (fails closed)', () => {
    const matcher = new ApprovalMatcher([rule({ agent: 'payments', condition: 'not an expression (' })]);
    assert.equal(matcher.match(facts())?.id, 'r');
  });

  test('a declared rule is checked: bad ids, scopes, conditions and unknown keys are refused with their path', () => {
    assert.equal(approvalRuleSchema.parse({ id: 'big-payments', condition: 'price > 50' }).approverScope, 'gateway:approve');
    for (const [input, path] of [
      [{ id: 'has space' }, 'id'],
      [{ id: 'a', condition: 'foo()' }, 'condition'],
      [{ id: 'a', approverScope: 'two scopes' }, 'approverScope'],
      [{ id: 'a', expiresAfterMs: 5 }, 'expiresAfterMs'],
      [{ id: 'a', colour: 'red' }, ''],
    ] as const) {
      const parsed = approvalRuleSchema.safeParse(input);
      assert.equal(parsed.success, false, JSON.stringify(input));
      assert.equal(parsed.error!.issues[0]!.path.join('.'), path, JSON.stringify(input));
    }
  });
});
