import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateParams } from '../../../src/protocol/params-validation.js';
import { isPlainParams, validateParamsInFull } from '../../../src/protocol/params-validation.js';

/** What a validation answered: the params it returned, or the error it threw (every own field, and its message). */
function outcome(judge: () => Record<string, unknown>): unknown {
  try {
    return { accepted: judge() };
  } catch (err) {
    return { refused: { ...(err as object), message: (err as Error).message } };
  }
}

/** Values a field may carry: right, wrong, empty, long, astral (a code point ajv counts once, two UTF-16 units). */
const anyValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', 'x'.repeat(256), 'x'.repeat(257), '😀'.repeat(128), '😀'.repeat(129), '😀'.repeat(200), 'aGVsbG8=', 'aGVsbG8', '%%%', 'a=b'),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(null, true, 1.5, 2147483648, Number.NaN),
  fc.constant({}),
  fc.constant([]),
  fc.constant(['a', 'b']),
  fc.constant([1]),
  fc.constant({ skillId: 'echo' }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
/** A field most params leave out: a proto name to rename, an unknown field. */
const rare = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const part = fc.oneof(
  { weight: 8, arbitrary: fc.record({ text: fc.string({ maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ data: anyValue }) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        text: maybe(anyValue),
        raw: maybe(fc.oneof(fc.constantFrom('aGVsbG8=', 'aGVsbG8', 'aGk', '%%%', 'a=b', ''), anyValue)),
        url: maybe(anyValue),
        data: maybe(anyValue),
        metadata: maybe(anyValue),
        filename: maybe(anyValue),
        mediaType: maybe(anyValue),
        media_type: rare(anyValue),
        extra: rare(anyValue),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

const message = fc.record(
  {
    messageId: fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, { weight: 1, arbitrary: anyValue }),
    message_id: rare(anyValue),
    role: fc.constantFrom<unknown>('ROLE_USER', 'ROLE_USER', 'ROLE_AGENT', 'user', 'agent', 1, 2, 0, 'ROLE_UNSPECIFIED', null, 1.5, '1'),
    parts: fc.oneof({ weight: 6, arbitrary: fc.array(part, { maxLength: 3 }) }, { weight: 1, arbitrary: anyValue }),
    contextId: maybe(fc.oneof(fc.string({ maxLength: 8 }), anyValue)),
    taskId: maybe(fc.oneof(fc.string({ maxLength: 8 }), anyValue)),
    task_id: rare(anyValue),
    metadata: maybe(fc.oneof(fc.constant({ skillId: 'echo' }), anyValue)),
    extensions: maybe(fc.oneof(fc.constant(['x']), anyValue)),
    referenceTaskIds: maybe(fc.oneof(fc.constant(['t']), anyValue)),
    reference_task_ids: rare(anyValue),
    other: rare(anyValue),
  },
  { requiredKeys: ['messageId', 'role', 'parts'] },
);

const sendParams = fc.record(
  {
    message: fc.oneof({ weight: 8, arbitrary: message }, { weight: 1, arbitrary: anyValue }),
    tenant: maybe(fc.oneof(fc.string({ maxLength: 8 }), anyValue)),
    metadata: maybe(fc.oneof(fc.constant({ a: 1 }), anyValue)),
    configuration: rare(fc.oneof(fc.constant({ historyLength: 1 }), fc.constant({ history_length: 1 }), anyValue)),
    other: rare(anyValue),
    some_field: rare(anyValue),
  },
  { requiredKeys: [] },
);

const getTaskParams = fc.record(
  {
    id: fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, { weight: 1, arbitrary: anyValue }),
    tenant: maybe(anyValue),
    historyLength: maybe(fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(2147483647, 2147483648, 0.5), anyValue)),
    history_length: rare(anyValue),
  },
  { requiredKeys: [] },
);

/** As a client's JSON reaches the gateway: parsed (undefined fields gone). */
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

describe('the plain params check', () => {
  for (const [method, params] of [
    ['SendMessage', sendParams],
    ['SendStreamingMessage', sendParams],
    ['GetTask', getTaskParams],
  ] as const) {
    test(`judges ${method} params as the renaming and ajv do, and refuses in the same words`, () => {
      let plain = 0;
      fc.assert(
        fc.property(params, (generated) => {
          const value = asParsed(generated);
          const full = outcome(() => validateParamsInFull(method, value));
          if (value !== null && typeof value === 'object' && !Array.isArray(value) && isPlainParams(method, value as Record<string, unknown>)) {
            plain++;
            // Accepted, and nothing renamed: the full path answers the params themselves.
            assert.deepEqual(full, { accepted: value });
            assert.equal((full as { accepted: unknown }).accepted, value);
          }
          assert.deepEqual(outcome(() => validateParams(method, value)), full);
        }),
        { numRuns: 3000 },
      );
      // The generators reach the plain check's acceptance often, not only its refusals.
      assert.ok(plain > 100, `only ${plain} plain params generated`);
    });
  }

  test('accepts the usual calls and leaves the rest to ajv', () => {
    assert.equal(isPlainParams('SendMessage', { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }] } }), true);
    assert.equal(isPlainParams('GetTask', { id: 't1', historyLength: 2 }), true);
    // Valid, but decided the full way: a proto name to rename, a configuration, a long astral id.
    assert.equal(isPlainParams('SendMessage', { message: { message_id: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }] } }), false);
    assert.equal(isPlainParams('SendMessage', { message: { messageId: 'm1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }, configuration: {} }), false);
    assert.equal(isPlainParams('SendMessage', { message: { messageId: '😀'.repeat(200), role: 'ROLE_USER', parts: [{ text: 'hi' }] } }), false);
    assert.deepEqual(outcome(() => validateParams('SendMessage', { message: { messageId: '😀'.repeat(200), role: 'ROLE_USER', parts: [{ text: 'hi' }] } })), { accepted: { message: { messageId: '😀'.repeat(200), role: 'ROLE_USER', parts: [{ text: 'hi' }] } } });
    assert.equal(isPlainParams('ListTasks', {}), false);
  });
});
