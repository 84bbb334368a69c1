import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { compileCondition, lineAndColumn, PolicySyntaxError, validatePolicy, type PolicyEntities } from '../../../../src/gateway/policies/index.js';
import { isAgentmeshError } from '../../../../src/protocol/index.js';

function entities(over: { input?: unknown; price?: number; scopes?: string[]; act?: string[]; hour?: number; calls?: bigint } = {}): PolicyEntities {
  return {
    principal: { client: 'c1', tenant: 'acme', subject: 'alice', kind: 'client', scopes: over.scopes ?? ['a2a:message:send'], act: over.act ?? [], issuer: '' },
    action: { operation: 'SendMessage', skill: 'refund', streaming: false },
    resource: { agent: 'payments', department: 'finance', owner: 'fin-team', costCenter: '', classification: 'confidential', tags: ['money'], price: over.price ?? 2 },
    context: {
      input: over.input ?? null,
      time: timestampFromDate(new Date(Date.UTC(2026, 10, 28, over.hour ?? 12))),
      contextId: 'ctx',
      calls: { principal: { day: over.calls ?? 0n } },
    },
  };
}

function refusal(source: string): PolicySyntaxError {
  try {
    compileCondition(source);
  } catch (err) {
    if (err instanceof PolicySyntaxError) return err;
    throw err;
  }
  assert.fail(`${JSON.stringify(source)} compiled`);
}

describe('a policy condition', () => {
  test('reads the four entities', () => {
    const c = compileCondition('resource.department == "finance" && principal.tenant == "acme" && action.skill == "refund" && context.input.amount > 1000');
    assert.equal(c.test(entities({ input: { amount: 5000 } })), true);
    assert.equal(c.test(entities({ input: { amount: 50 } })), false);
  });

  test('reads the time, the act chain and the scopes', () => {
    assert.equal(compileCondition('context.time.getHours() >= 20').test(entities({ hour: 22 })), true);
    assert.equal(compileCondition('context.time.getHours() >= 20').test(entities({ hour: 9 })), false);
    assert.equal(compileCondition('size(principal.act) > 2').test(entities({ act: ['a', 'b', 'c'] })), true);
    assert.equal(compileCondition('principal.act.exists(a, a == "orchestrator")').test(entities({ act: ['orchestrator'] })), true);
    assert.equal(compileCondition('!("finance:refund" in principal.scopes)').test(entities()), true);
  });

  test('collects the session counters it reads, once each', () => {
    const c = compileCondition('context.calls.principal.day >= 3 || context.calls.principal.day > 10 || context.spend.tenant.hour > 100.0');
    assert.deepEqual(c.counters, [{ metric: 'calls', scope: 'principal', window: 'day' }, { metric: 'spend', scope: 'tenant', window: 'hour' }]);
    assert.equal(c.test(entities({ calls: 3n })), true);
  });

  test('says whether it may read the time, erring towards yes', () => {
    for (const source of ['context.time.getHours() >= 20', 'context["ti" + "me"] != null', 'has(context.time)', 'size(context) > 1']) assert.equal(compileCondition(source).readsTime, true, source);
    for (const source of ['resource.price > 1.0', 'context.input.amount > 3', 'context.calls.principal.day >= 3']) assert.equal(compileCondition(source).readsTime, false, source);
  });

  test('a missing input field is an evaluation error, never a throw', () => {
    const result = compileCondition('context.input.amount > 1000').test(entities({ input: { other: 1 } }));
    assert.ok(result instanceof Error);
    assert.equal(compileCondition('has(context.input.amount) && context.input.amount > 1000').test(entities({ input: { other: 1 } })), false);
  });

  test('an unknown attribute is refused with its line and column', () => {
    const err = refusal('principal.tenant == "acme" &&\n  resource.departement == "x"');
    assert.equal(err.line, 2);
    assert.equal(err.column, 11);
    assert.match(err.reason, /resource has no attribute departement/);
  });

  test('a syntax error is refused with its line and column', () => {
    const err = refusal('resource.price > 1.0\n  )');
    assert.deepEqual([err.line, err.column], [2, 3]);
    assert.match(err.message, /^line 2, column 3: found \)/);
  });

  test('unknown names, functions, messages and non-boolean results are refused', () => {
    assert.match(refusal('user.name == "x"').reason, /unknown name user/);
    assert.match(refusal('exec("rm") == 1').reason, /unknown function exec/);
    assert.match(refusal('resource.price + 1.0').reason, /true or false/);
    assert.match(refusal('resource.agent.length == 1').reason, /is a string/);
    assert.match(refusal('context.calls.principal == 1').reason, /read whole/);
    assert.match(refusal('google.protobuf.Value{} == 1').reason, /./);
  });

  test('comprehension variables are bound inside their loop only', () => {
    assert.equal(compileCondition('context.input.items.all(i, i.price < 10)').test(entities({ input: { items: [{ price: 1 }, { price: 2 }] } })), true);
    assert.match(refusal('context.input.items.all(i, i.price < 10) && i.price > 1').reason, /unknown name i/);
  });

  test('any text is either compiled or refused with a position inside it, never thrown otherwise', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          compileCondition(text);
        } catch (err) {
          assert.ok(err instanceof PolicySyntaxError, String(err));
          assert.ok(err.line >= 1 && err.column >= 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a compiled condition never throws, whatever the input', () => {
    const c = compileCondition('context.input.amount > 1000 || context.input.items[0] == "x" || context.input.startsWith("x")');
    fc.assert(fc.property(fc.jsonValue(), (input) => {
      const r = c.test(entities({ input }));
      assert.ok(typeof r === 'boolean' || r instanceof Error);
    }), { numRuns: 300 });
  });

  test('line and column count from 1 across lines', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' ') , maxLength: 10 }), { minLength: 1, maxLength: 5 }), fc.nat(), (lines, pick) => {
      const source = lines.join('\n');
      const line = pick % lines.length;
      const column = lines[line]!.length === 0 ? 0 : pick % lines[line]!.length;
      const offset = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + column;
      assert.deepEqual(lineAndColumn(source, offset), { line: line + 1, column: column + 1 });
    }));
  });
});

describe('a policy written', () => {
  test('is refused with the field, line and column of a malformed condition', () => {
    try {
      validatePolicy({ id: 'p1', effect: 'forbid', condition: 'resource.price > 1.0 &&\n  principal.tennant == "x"' });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isAgentmeshError(err));
      assert.equal(err.code, 'AM_ERR_GATEWAY_POLICY_INVALID');
      assert.match(err.message, /line 2, column 12/);
      assert.equal(err.details?.['line'], '2');
      assert.equal(err.details?.['column'], '12');
    }
  });

  test('is refused for a bad effect or stray approval fields', () => {
    assert.throws(() => validatePolicy({ id: 'p1', effect: 'allow' }), /effect/);
    assert.throws(() => validatePolicy({ id: 'p1', effect: 'forbid', approverScope: 'x:y' }), /approverScope/);
    assert.throws(() => validatePolicy({ id: 'p 1', effect: 'forbid' }), /id/);
    assert.throws(() => validatePolicy({ id: 'p1', effect: 'forbid', target: { agent: 'a', method: 'x' } }), /target/);
  });

  test('is accepted with its target defaulted', () => {
    assert.deepEqual(validatePolicy({ id: 'p1', effect: 'permit_when_approved', condition: 'resource.price > 50.0', approverScope: 'finance:approve' }), { id: 'p1', effect: 'permit_when_approved', condition: 'resource.price > 50.0', approverScope: 'finance:approve', target: {} });
  });
});
