/**
 * The closures a condition's common shapes compile to (policy-fast-path.ts)
 * answer as @bufbuild/cel does, whatever the call: the same boolean, or an
 * error both ways. Inputs are arbitrary JSON, attributes drawn from small
 * pools so equalities and memberships hold as often as not, counters ints.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { compileCondition, type PolicyEntities } from '../../../../src/gateway/policies/index.js';

const CONDITIONS = [
  'context.input.amount > 1000',
  'context.input.amount > 1000.5 || context.input.amount == null',
  'has(context.input.amount) && context.input.amount >= 10',
  '!has(context.input.amount) || context.input.amount <= 3',
  'context.input == "a" || context.input == 1 || context.input == true',
  'context.input in ["a", 1, true, null]',
  '"a" in context.input',
  'context.input.a.b == "x" && context.input.c != 2',
  'context.input[0] == "a"',
  'context.input["k"] == 1 || size(context.input) > 2',
  'size(context.input) >= 1',
  'context.input.size() == 0',
  'context.input.startsWith("a") || context.input.endsWith("b") || context.input.contains("c")',
  'context.input < "m"',
  'context.input > 3',
  '!context.input',
  'context.input ? true : false',
  'context.input.x && true',
  'false && context.input.x',
  'context.input.x || true',
  'true || context.input.x',
  'resource.classification == "restricted" && !("restricted:use" in principal.scopes)',
  'size(principal.act) > 2',
  'principal.tenant.startsWith("free-") && action.streaming',
  'principal.client in ["leaked-1", "leaked-2"]',
  'resource.price >= 1000.0 || resource.price < 0.5',
  'context.calls.principal.day >= 3',
  'context.calls.principal.day >= 3.0 && context.spend.tenant.hour > 10.0',
  'action.skill != "" && !(action.skill in ["echo", "score"])',
  'resource.tags == ["a"]',
  'context.input == {"a": 1}',
  'type(context.input) == string && size(context.input) > 3',
  'type(context.input) == map || type(context.input) == list || type(context.input) == double || type(context.input) == bool || type(context.input) == null_type',
  'type(context.calls.principal.day) == int && type(resource.price) != int',
];

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

const entities: fc.Arbitrary<PolicyEntities> = fc.record({
  // As the gateway reads it: parsed JSON (plain objects, no -0).
  input: fc.oneof(fc.jsonValue(), fc.dictionary(pick('amount', 'a', 'c', 'k', 'x'), fc.oneof(fc.jsonValue(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom<string | null | boolean>('a', 'x', null, true)))).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
  scopes: fc.subarray(['restricted:use', 'a2a', 'ops']),
  act: fc.subarray(['a', 'b', 'c', 'd']),
  tenant: pick('acme', 'free-co', ''),
  client: pick('leaked-1', 'c'),
  classification: pick('restricted', 'public', ''),
  price: fc.oneof(fc.double({ noNaN: true }), pick(0, 1000, 0.5)),
  skill: pick('', 'echo', 'refund'),
  streaming: fc.boolean(),
  tags: fc.subarray(['a', 'b']),
  calls: fc.bigInt({ min: 0n, max: 10n }),
  spend: fc.double({ min: 0, max: 100, noNaN: true }),
}).map((v) => ({
  principal: { client: v.client, tenant: v.tenant, subject: 's', kind: 'client', scopes: v.scopes, act: v.act, issuer: '' },
  action: { operation: 'SendMessage', skill: v.skill, streaming: v.streaming },
  resource: { agent: 'a', department: '', owner: '', costCenter: '', classification: v.classification, tags: v.tags, price: v.price },
  context: { input: v.input, time: timestampFromMs(0), contextId: '', calls: { principal: { day: v.calls } }, spend: { tenant: { hour: v.spend } } },
}));

describe('the fast path', () => {
  for (const source of CONDITIONS) {
    test(`answers ${source} as @bufbuild/cel does`, () => {
      const fast = compileCondition(source);
      const library = compileCondition(source, { fastPath: false });
      fc.assert(
        fc.property(entities, (e) => {
          const a = fast.test(e);
          const b = library.test(e);
          assert.equal(a instanceof Error ? 'error' : a, b instanceof Error ? 'error' : b);
        }),
        { numRuns: 400 },
      );
    });
  }
});
