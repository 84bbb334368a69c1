import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isAgentmeshError } from '../../../../src/protocol/errors.js';
import { compileExpression, compileTemplate, evaluateCondition } from '../../../../src/orchestrator/workflow/expressions.js';
import type { TemplateScope } from '../../../../src/orchestrator/workflow/workflow-definition.js';

function scope(extra: Partial<TemplateScope> = {}): TemplateScope {
  return {
    inputs: { tenantId: 't-1', leadIds: ['l1', 'l2', 'l3'], top: 10, name: 'Ada', nested: { a: { b: 2 } }, empty: [] },
    steps: {
      enrich: { status: 'completed', output: { count: 3, leadIds: ['l1', 'l2', 'l3'], leads: [{ id: 'l1', score: 5 }, { id: 'l2', score: 9 }, { id: 'l3' }] } },
      skipped: { status: 'skipped', output: null },
      'score-batch': { status: 'completed', output: [1, 2] },
    },
    run: { id: 'run-1', tenant: 't-1', workflow: 'wf' },
    ...extra,
  };
}

const render = (template: unknown, s: TemplateScope = scope()): unknown => compileTemplate(template).render(s);
const value = (expr: string, s: TemplateScope = scope()): unknown => render(`{{ ${expr} }}`, s);

/** Asserts that each expression evaluates to its expected value, naming the expression when it does not. */
function assertValues(cases: ReadonlyArray<readonly [expr: string, expected: unknown]>): void {
  for (const [expr, expected] of cases) assert.deepEqual(value(expr), expected, expr);
}

/** Asserts that each template renders to its expected value, naming the template when it does not. */
function assertRenders(cases: ReadonlyArray<readonly [template: unknown, expected: unknown]>): void {
  for (const [template, expected] of cases) assert.deepEqual(render(template), expected, JSON.stringify(template));
}

/** Asserts that compiling or rendering throws an AgentmeshError with `code` and a message matching `pattern`. */
function assertFails(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAgentmeshError(err), `expected an AgentmeshError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('templates', () => {
  test('a string that is exactly one expression renders to the raw value', () => {
    assertRenders([
      ['{{ inputs.leadIds }}', ['l1', 'l2', 'l3']],
      ['{{ inputs.top }}', 10],
      ['{{ inputs.nested }}', { a: { b: 2 } }],
      ['{{inputs.top}}', 10],
    ]);
  });

  test('text around an expression, or several expressions, renders a string', () => {
    assertRenders([
      ['top {{ inputs.top }}', 'top 10'],
      ['{{ inputs.name }}-{{ inputs.top }}', 'Ada-10'],
      ['ids: {{ inputs.leadIds }}', 'ids: ["l1","l2","l3"]'],
      ['obj {{ inputs.nested }}', 'obj {"a":{"b":2}}'],
      ['{{ true }} and {{ null }}.', 'true and .'],
    ]);
  });

  test('JSON values are rendered at every depth; plain strings stay as written', () => {
    const template = { leadIds: '{{ inputs.leadIds }}', meta: { tenant: '{{ run.tenant }}', fixed: [1, 'two', { three: true }] }, list: ['{{ index }}', 'x'] };
    assert.deepEqual(render(template, scope({ index: 4 })), { leadIds: ['l1', 'l2', 'l3'], meta: { tenant: 't-1', fixed: [1, 'two', { three: true }] }, list: [4, 'x'] });
    assertRenders([
      ['no braces here', 'no braces here'],
      [42, 42],
      [null, null],
    ]);
  });

  test('missing values render as null in JSON values and as nothing in text', () => {
    assertRenders([
      ['{{ inputs.nope }}', null],
      ['{{ steps.skipped.output.deep.deeper }}', null],
      [{ a: '{{ inputs.nope }}' }, { a: null }],
      ['{{ pluck(steps.enrich.output.leads, "score") }}', [5, 9, null]],
      ['[{{ inputs.nope }}]', '[]'],
    ]);
  });

  test('the map locals are read from the scope', () => {
    assert.deepEqual(render({ one: '{{ item }}', all: '{{ batch }}', at: '{{ index }}' }, scope({ item: 'l9', batch: ['a'], index: 2 })), { one: 'l9', all: ['a'], at: 2 });
  });

  test('rendering twice gives equal results, and compiling the same template returns the cached compilation', () => {
    const template = Object.freeze({ ids: '{{ inputs.leadIds }}' });
    assert.equal(compileTemplate(template), compileTemplate(template));
    assert.equal(compileTemplate('{{ inputs.top }}'), compileTemplate('{{ inputs.top }}'));
    assert.deepEqual(compileTemplate(template).render(scope()), compileTemplate(template).render(scope()));
  });

  test('references() lists the inputs, steps and map locals read', () => {
    const refs = compileTemplate({ a: '{{ inputs.leadIds }}', b: '{{ steps.enrich.output.count + steps["score-batch"].output[0] }}', c: 'x {{ item }} {{ index }}', d: '{{ inputs }}' }).references();
    assert.deepEqual(refs.inputs, ['leadIds']);
    assert.deepEqual(refs.steps.sort(), ['enrich', 'score-batch']);
    assert.deepEqual(refs.locals.sort(), ['index', 'item']);
  });

  test('literal braces can be written as a string inside an expression', () => {
    assert.equal(render("{{ '{{' }} not a template {{ '}}' }}"), '{{ not a template }}');
    assert.deepEqual(render('{{ { a: { b: 1 }} }}'), { a: { b: 1 } });
  });
});

describe('expression semantics', () => {
  test('literals, arithmetic and precedence', () => {
    assertValues([
      ['1 + 2 * 3', 7],
      ['(1 + 2) * 3', 9],
      ['7 % 4', 3],
      ['10 / 4', 2.5],
      ['-inputs.top', -10],
      ["'a' + 1", 'a1'],
      ["inputs.name + ' ' + 'Lovelace'", 'Ada Lovelace'],
      ['[1, inputs.top, [2]]', [1, 10, [2]]],
    ]);
    assert.deepEqual(value("{ id: run.id, 'k': 1, [inputs.name]: 2, item }", scope({ item: 'x' })), { id: 'run-1', k: 1, Ada: 2, item: 'x' });
  });

  test('comparisons and equality without coercion', () => {
    assertValues([
      ['steps.enrich.output.count > 0', true],
      ["'b' >= 'a'", true],
      ["1 == '1'", false],
      ['inputs.leadIds == ["l1", "l2", "l3"]', true],
      ['inputs.nested === { a: { b: 2 } }', true],
      ['inputs.nope == null', true],
      ['inputs.nope === null', false],
      ['inputs.nope != null', false],
      ['1 !== 2', true],
    ]);
  });

  test('logical operators short-circuit and the ternary picks a branch', () => {
    assertValues([
      ['inputs.top > 5 && inputs.name', 'Ada'],
      ['inputs.nope || "fallback"', 'fallback'],
      ['0 ?? 5', 0],
      ['inputs.nope ?? 5', 5],
      ['!inputs.nope', true],
      ['inputs.top > 5 ? "many" : "few"', 'many'],
    ]);
    // The right side would fail (sum of a string); short-circuit never evaluates it.
    assert.equal(value('false && sum("x")'), false);
  });

  test('member access reads own properties, by name, string or index', () => {
    assertValues([
      ['inputs.leadIds[1]', 'l2'],
      ["inputs['leadIds'][0]", 'l1'],
      ['inputs.leadIds.length', 3],
      ['inputs.name.length', 3],
      ['inputs.leadIds[inputs.nested.a.b]', 'l3'],
      ["steps['score-batch'].output", [1, 2]],
      ['inputs.leadIds[99]', null],
      ['inputs.top.foo', null],
      ['inputs?.nested?.a.b', 2],
    ]);
  });

  test('evaluateCondition uses JavaScript truthiness', () => {
    assert.equal(evaluateCondition('{{ steps.enrich.output.count > 0 }}', scope()), true);
    assert.equal(evaluateCondition('steps.enrich.output.count > 5', scope()), false);
    assert.equal(evaluateCondition('{{ inputs.nope }}', scope()), false);
    assert.equal(evaluateCondition('{{ inputs.empty }}', scope()), true);
    assert.equal(evaluateCondition('{{ length(inputs.empty) > 0 }}', scope()), false);
    assert.equal(evaluateCondition('{{ "" }}', scope()), false);
  });

  test('compileExpression accepts an expression with or without braces', () => {
    assert.deepEqual(compileExpression('{{ steps.enrich.output.leadIds }}').evaluate(scope()), ['l1', 'l2', 'l3']);
    assert.deepEqual(compileExpression('steps.enrich.output.leadIds').evaluate(scope()), ['l1', 'l2', 'l3']);
    assert.deepEqual(compileExpression('{{ steps.enrich.output.count }}').references(), { inputs: [], steps: ['enrich'], locals: [] });
    assertFails(() => compileExpression('a {{ steps.x }}'), ErrorCodes.WORKFLOW_INVALID, /one expression/);
  });

  test('evaluation errors name the expression and what failed', () => {
    assertFails(() => value('inputs.name - 1'), ErrorCodes.WORKFLOW_EXPRESSION, /\{\{ inputs\.name - 1 \}\} failed: - needs two numbers, got a string and a number/);
    assertFails(() => value('inputs.leadIds + 1'), ErrorCodes.WORKFLOW_EXPRESSION, /\+ adds two numbers or joins a string/);
    assertFails(() => value("'x' + inputs.nope"), ErrorCodes.WORKFLOW_EXPRESSION, /got a string and a missing value/);
    assertFails(() => value('inputs.top / 0'), ErrorCodes.WORKFLOW_EXPRESSION, /division by zero/);
    assertFails(() => value('inputs.top < "a"'), ErrorCodes.WORKFLOW_EXPRESSION, /< compares two numbers or two strings/);
    assertFails(() => value('inputs.leadIds[inputs.nested]'), ErrorCodes.WORKFLOW_EXPRESSION, /property name must be a string or a whole number/);
    assertFails(() => render({ deep: { x: '{{ sum(inputs.leadIds) }}' } }), ErrorCodes.WORKFLOW_EXPRESSION, /\(at deep\.x\) failed: sum\(\) needs a list of numbers, found a string/);
  });
});

describe('functions', () => {
  test('length counts lists, strings and object keys; missing is 0', () => {
    assertValues([
      ['length(inputs.leadIds)', 3],
      ['length(inputs.name)', 3],
      ['length(inputs.nested)', 1],
      ['length(inputs.nope)', 0],
    ]);
    assertFails(() => value('length(1)'), ErrorCodes.WORKFLOW_EXPRESSION, /length\(\) argument 1 must be a list, a string or an object, got a number/);
  });

  test('flatten removes one level of nesting', () => {
    assert.deepEqual(value('flatten([[1, 2], [3, [4]], 5])'), [1, 2, 3, [4], 5]);
    assert.deepEqual(value('flatten(inputs.nope)'), []);
  });

  test('concat joins lists (or strings)', () => {
    assert.deepEqual(value('concat(inputs.leadIds, ["l4"], "l5", inputs.nope)'), ['l1', 'l2', 'l3', 'l4', 'l5']);
    assert.equal(value("concat('a', 'b', 'c')"), 'abc');
  });

  test('keys, values and merge work on objects', () => {
    assertValues([
      ["keys({ a: 1, b: 2 })", ['a', 'b']],
      ["values({ a: 1, b: 2 })", [1, 2]],
      ["merge({ a: 1, b: 1 }, { b: 2 }, inputs.nope)", { a: 1, b: 2 }],
      ['keys(inputs.nope)', []],
    ]);
    assertFails(() => value('keys(inputs.leadIds)'), ErrorCodes.WORKFLOW_EXPRESSION, /keys\(\) argument 1 must be an object, got an array/);
  });

  test('sum, min and max need numbers', () => {
    assertValues([
      ['sum([1, 2, 3.5])', 6.5],
      ['sum([])', 0],
      ['min([3, 1, 2])', 1],
      ['max([3, 1, 2])', 3],
      ['max([])', null],
    ]);
    assertFails(() => value('min(["a"])'), ErrorCodes.WORKFLOW_EXPRESSION, /min\(\) needs a list of numbers, found a string/);
  });

  test('min and max handle lists too long to spread into arguments', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i);
    assert.equal(compileTemplate('{{ max(inputs.big) }}').render(scope({ inputs: { big } })), 199_999);
  });

  test('join, pluck, slice and unique', () => {
    assertValues([
      ["join(inputs.leadIds, '|')", 'l1|l2|l3'],
      ['join([1, null, { a: 1 }])', '1,,{"a":1}'],
      ["pluck(steps.enrich.output.leads, 'id')", ['l1', 'l2', 'l3']],
      ['slice(inputs.leadIds, 1)', ['l2', 'l3']],
      ['slice(inputs.leadIds, 0, 2)', ['l1', 'l2']],
      ["slice('abcdef', 1, 3)", 'bc'],
      ['unique([1, 2, 1, { a: 1 }, { a: 1 }, "1"])', [1, 2, { a: 1 }, '1']],
    ]);
    assertFails(() => value('slice(inputs.leadIds, "1")'), ErrorCodes.WORKFLOW_EXPRESSION, /slice\(\) argument 2 must be a whole number/);
  });

  test('sortBy orders objects by a field, stably, missing fields last', () => {
    const leads = [{ id: 'a', score: 5 }, { id: 'b', score: 9 }, { id: 'c' }, { id: 'd', score: 9 }, { id: 'e', score: 1 }];
    const ids = (expr: string): unknown => (value(expr, scope({ inputs: { leads } })) as Array<{ id: string }>).map((l) => l.id);
    assert.deepEqual(ids("sortBy(inputs.leads, 'score')"), ['e', 'a', 'b', 'd', 'c']);
    assert.deepEqual(ids("sortBy(inputs.leads, 'score', 'desc')"), ['b', 'd', 'a', 'e', 'c'], 'ties keep their order; missing stays last');
    assert.deepEqual(ids("slice(sortBy(inputs.leads, 'score', 'desc'), 0, 2)"), ['b', 'd']);
    assert.deepEqual(value("sortBy([{ n: 'b' }, { n: 'B' }, { n: 'a' }], 'n')"), [{ n: 'B' }, { n: 'a' }, { n: 'b' }], 'strings by code unit, not locale');
    assert.deepEqual(value("sortBy(inputs.nope, 'x')"), []);
    assert.deepEqual(leads.map((l) => l.id), ['a', 'b', 'c', 'd', 'e'], 'the input list is not mutated');
    assertFails(() => value("sortBy([{ x: 1 }, { x: 'a' }], 'x')"), ErrorCodes.WORKFLOW_EXPRESSION, /sortBy\(\) cannot order numbers and strings together in 'x'/);
    assertFails(() => value("sortBy([{ x: true }], 'x')"), ErrorCodes.WORKFLOW_EXPRESSION, /sortBy\(\) sorts by numbers or strings, found a boolean in 'x'/);
    assertFails(() => value("sortBy(inputs.leadIds, 'x', 'down')"), ErrorCodes.WORKFLOW_EXPRESSION, /sortBy\(\) argument 3 must be 'asc' or 'desc'/);
    assertFails(() => compileTemplate('{{ sortBy(inputs.x) }}'), ErrorCodes.WORKFLOW_INVALID, /sortBy\(\) takes 2 to 3 arguments, got 1/);
  });

  test('default, json, lower and upper', () => {
    assertValues([
      ['default(inputs.nope, 7)', 7],
      ['default(0, 7)', 0],
      ['json(inputs.nested)', '{"a":{"b":2}}'],
      ['json(inputs.nope)', 'null'],
      ['lower(inputs.name)', 'ada'],
      ['upper(inputs.name)', 'ADA'],
    ]);
    assertFails(() => value('upper(1)'), ErrorCodes.WORKFLOW_EXPRESSION, /upper\(\) argument 1 must be a string, got a number/);
  });

  test('arity and unknown functions are compile errors', () => {
    assertFails(() => compileTemplate('{{ length() }}'), ErrorCodes.WORKFLOW_INVALID, /length\(\) takes 1 argument, got 0/);
    assertFails(() => compileTemplate('{{ pluck(inputs.x) }}'), ErrorCodes.WORKFLOW_INVALID, /pluck\(\) takes 2 arguments, got 1/);
    assertFails(() => compileTemplate('{{ eval("1") }}'), ErrorCodes.WORKFLOW_INVALID, /unknown function eval\(\)/);
    assertFails(() => compileTemplate('{{ length }}'), ErrorCodes.WORKFLOW_INVALID, /length is a function/);
  });
});

describe('what expressions cannot do', () => {
  const attacks = [
    "{{ constructor.constructor('return process')() }}",
    "{{ inputs.constructor.constructor('return process')() }}",
    "{{ inputs['constructor']['constructor']('return 1')() }}",
    '{{ inputs.__proto__ }}',
    "{{ inputs['__proto__'] }}",
    '{{ inputs.leadIds.constructor }}',
    '{{ steps.prototype }}',
    '{{ inputs.name.toString() }}',
    "{{ inputs.leadIds.map(x => x) }}",
    '{{ this }}',
    '{{ process.exit(1) }}',
    '{{ globalThis }}',
    '{{ require("fs") }}',
    '{{ { __proto__: { polluted: 1 } } }}',
    '{{ inputs.top | 1 }}',
    '{{ ~inputs.top }}',
    '{{ a = 1 }}',
    '{{ 1; 2 }}',
  ];
  for (const attack of attacks) {
    test(`refuses ${attack} when compiling`, () => {
      assert.throws(() => compileTemplate(attack), (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.WORKFLOW_INVALID);
    });
  }

  test('refuses forbidden keys reached at run time through computed access', () => {
    assertFails(() => value('inputs[inputs.key]', scope({ inputs: { key: 'constructor' } })), ErrorCodes.WORKFLOW_EXPRESSION, /reading constructor is not allowed/);
    assertFails(() => value('inputs[concat("__pro", "to__")]'), ErrorCodes.WORKFLOW_EXPRESSION, /reading __proto__ is not allowed/);
    assertFails(() => value('{ [inputs.key]: 1 }', scope({ inputs: { key: '__proto__' } })), ErrorCodes.WORKFLOW_EXPRESSION, /__proto__ is not allowed as a key/);
  });

  test('does not read inherited properties of the data', () => {
    const inherited = Object.create({ secret: 's' }) as Record<string, unknown>;
    assertFails(() => value('inputs.obj.secret', scope({ inputs: { obj: inherited } })), ErrorCodes.WORKFLOW_EXPRESSION, /cannot read \.secret of an object that is not plain data/);
    assert.equal(value('inputs.toString'), null);
    assert.equal(value('inputs.leadIds.push'), null);
  });

  test('merge keeps a __proto__ key of the data as a plain key, without touching any prototype', () => {
    const data = JSON.parse('{ "__proto__": { "polluted": true }, "a": 1 }') as Record<string, unknown>;
    const merged = value('merge(inputs.data)', scope({ inputs: { data } })) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.equal(merged['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  test('unknown names say what can be read, with a hint for ids holding a dash', () => {
    assertFails(() => compileTemplate('{{ foo.bar }}'), ErrorCodes.WORKFLOW_INVALID, /unknown name foo: expressions read inputs, steps, item, batch, index and run/);
    assertFails(() => compileTemplate('{{ steps.enrich-leads.output }}'), ErrorCodes.WORKFLOW_INVALID, /in brackets: steps\['my-step'\]/);
  });

  test('syntax errors and unclosed braces are compile errors', () => {
    assertFails(() => compileTemplate('{{ 1 + }}'), ErrorCodes.WORKFLOW_INVALID, /Expected expression after \+/);
    assertFails(() => compileTemplate('{{ inputs.x '), ErrorCodes.WORKFLOW_INVALID, /never closed/);
    assertFails(() => compileTemplate('{{ }}'), ErrorCodes.WORKFLOW_INVALID, /empty expression/);
    assertFails(() => compileTemplate({ a: ['{{ "unterminated }}'] }), ErrorCodes.WORKFLOW_INVALID, /a\[0\]: unterminated string/);
  });

  test('templates must be JSON values', () => {
    assertFails(() => compileTemplate({ f: () => 1 }), ErrorCodes.WORKFLOW_INVALID, /f: must be a JSON value, not a function/);
    assertFails(() => compileTemplate({ d: new Date() }), ErrorCodes.WORKFLOW_INVALID, /d: must be a JSON value, not a class instance/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assertFails(() => compileTemplate(cyclic), ErrorCodes.WORKFLOW_INVALID, /self: contains itself/);
  });
});
