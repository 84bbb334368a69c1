import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePolicy, countersRead, decide, PolicySet, validatePolicy, type PolicyEntities, type PolicyInput, type PolicyTarget } from '../../../../src/gateway/policies/index.js';

function policy(input: PolicyInput, version = 1) {
  return compilePolicy({ ...validatePolicy(input), version, createdAt: 0, createdBy: 'test' });
}

const call: PolicyTarget = { tenant: 'acme', agent: 'payments', operation: 'SendMessage', skill: 'refund' };
const facts: PolicyEntities = {
  principal: { tenant: 'acme', scopes: [], act: [] },
  action: { operation: 'SendMessage', skill: 'refund' },
  resource: { agent: 'payments', price: 5 },
  context: { input: { amount: 10 } },
};

describe('the policies that apply to a call', () => {
  test('are those naming its agent or none, its tenant or none, its operation and skill', () => {
    const set = new PolicySet([
      policy({ id: 'any', effect: 'forbid' }),
      policy({ id: 'pay', effect: 'forbid', target: { agent: 'payments' } }),
      policy({ id: 'other-agent', effect: 'forbid', target: { agent: 'hr' } }),
      policy({ id: 'other-tenant', effect: 'forbid', tenant: 'globex' }),
      policy({ id: 'own-tenant', effect: 'forbid', tenant: 'acme' }),
      policy({ id: 'gettask', effect: 'forbid', target: { operation: 'GetTask' } }),
      policy({ id: 'send', effect: 'forbid', target: { operation: 'SendMessage' } }),
      policy({ id: 'refund', effect: 'forbid', target: { skill: 'refund' } }),
      policy({ id: 'quote', effect: 'forbid', target: { skill: 'quote' } }),
    ]);
    assert.deepEqual(set.applicable(call).map((p) => p.record.id).sort(), ['any', 'own-tenant', 'pay', 'refund', 'send']);
    assert.deepEqual(set.applicable({ ...call, operation: 'SendStreamingMessage' }).map((p) => p.record.id).sort(), ['any', 'own-tenant', 'pay', 'refund', 'send']);
    assert.equal(set.size, 9);
  });

  test('a skill the gateway cannot tell is covered by forbids and approvals, never by a permit', () => {
    const set = new PolicySet([policy({ id: 'no-refunds', effect: 'forbid', target: { skill: 'refund' } }), policy({ id: 'refunds-ok', effect: 'permit', target: { skill: 'refund' } })]);
    assert.deepEqual(set.applicable({ ...call, skill: '' }).map((p) => p.record.id), ['no-refunds']);
  });

  test('an agent no policy names costs no allocation', () => {
    const set = new PolicySet([policy({ id: 'pay', effect: 'forbid', target: { agent: 'payments' } })]);
    assert.equal(set.applicable({ ...call, agent: 'hr' }), set.applicable({ ...call, agent: 'crm' }));
    assert.equal(set.applicable({ ...call, agent: 'hr' }).length, 0);
  });

  test('report the counters they read', () => {
    const set = new PolicySet([policy({ id: 'a', effect: 'forbid', condition: 'context.calls.principal.day >= 3' }), policy({ id: 'b', effect: 'forbid', condition: 'context.calls.principal.day >= 5 || context.denials.tenant.hour > 2' })]);
    assert.deepEqual(countersRead(set.applicable(call)), [{ metric: 'calls', scope: 'principal', window: 'day' }, { metric: 'denials', scope: 'tenant', window: 'hour' }]);
  });
});

describe('a decision', () => {
  test('forbid overrides permit and approval, and names the forbidding policies', () => {
    const d = decide([policy({ id: 'ok', effect: 'permit' }), policy({ id: 'ask', effect: 'permit_when_approved' }), policy({ id: 'no', effect: 'forbid', condition: 'context.input.amount > 1' }, 4)], facts);
    assert.equal(d.outcome, 'forbid');
    assert.deepEqual(d.policies.map((p) => p.ref), ['no@4']);
  });

  test('approval wins over a plain permit', () => {
    assert.equal(decide([policy({ id: 'ok', effect: 'permit' }), policy({ id: 'ask', effect: 'permit_when_approved' })], facts).outcome, 'approve');
  });

  test('permit policies that target a call and none holds refuse it', () => {
    const d = decide([policy({ id: 'finance-only', effect: 'permit', condition: '"finance" in principal.scopes' })], facts);
    assert.equal(d.outcome, 'unpermitted');
    assert.deepEqual(d.policies.map((p) => p.record.id), ['finance-only']);
  });

  test('an approval policy alone does not refuse the calls it does not gate', () => {
    assert.equal(decide([policy({ id: 'big', effect: 'permit_when_approved', condition: 'context.input.amount > 1000' })], facts).outcome, 'none');
  });

  test('a condition that fails to evaluate does not apply, and is reported', () => {
    const d = decide([policy({ id: 'no', effect: 'forbid', condition: 'context.input.missing > 1' })], facts);
    assert.equal(d.outcome, 'none');
    assert.equal(d.errors.length, 1);
    assert.equal(d.errors[0]!.ref, 'no@1');
  });

  test('a tenant policy is named with its tenant', () => {
    assert.deepEqual(decide([policy({ id: 'no', tenant: 'acme', effect: 'forbid' }, 2)], facts).policies.map((p) => p.ref), ['acme/no@2']);
  });

  test('whatever the mix, a holding forbid decides, and without one the outcome follows the order approve > permit > unpermitted > none', () => {
    const effects = ['permit', 'forbid', 'permit_when_approved'] as const;
    fc.assert(fc.property(fc.array(fc.record({ effect: fc.constantFrom(...effects), holds: fc.boolean() }), { maxLength: 8 }), (specs) => {
      const ps = specs.map((s, i) => policy({ id: `p${i}`, effect: s.effect, condition: s.holds ? 'true' : 'false' }));
      const d = decide(ps, facts);
      const holding = (e: (typeof effects)[number]) => specs.some((s) => s.effect === e && s.holds);
      const expected = holding('forbid') ? 'forbid' : holding('permit_when_approved') ? 'approve' : holding('permit') ? 'permit' : specs.some((s) => s.effect === 'permit') ? 'unpermitted' : 'none';
      assert.equal(d.outcome, expected);
    }));
  });
});
