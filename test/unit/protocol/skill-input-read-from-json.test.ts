import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '@a2a-js/sdk';
import { skillInputOf, skillInputOfJson } from '../../../src/protocol/message-checks.js';
import { validateParams } from '../../../src/protocol/params-validation.js';

const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.constant({ a: [1, 'x'] }), fc.constant([]), fc.boolean());
const part = fc.oneof(
  fc.record({ text: fc.string({ maxLength: 6 }) }),
  fc.record({ data: value }),
  fc.record({ raw: fc.constantFrom('aGk=', 'aGk', '') }),
  fc.record({ url: fc.string({ maxLength: 6 }) }),
  fc.record({ text: fc.string({ maxLength: 6 }), media_type: fc.constant('text/plain'), metadata: fc.constant({ k: 1 }) }),
  fc.record({ data: value, filename: fc.string({ maxLength: 4 }) }),
);

describe('a skill input read from the JSON message', () => {
  test('is the one the SDK-decoded message gives, for every message the params schema accepts', () => {
    let judged = 0;
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.boolean(), (parts, snake) => {
        const message = JSON.parse(JSON.stringify({ [snake ? 'message_id' : 'messageId']: 'm1', role: 'ROLE_USER', parts })) as Record<string, unknown>;
        let named: Record<string, unknown>;
        try {
          named = validateParams('SendMessage', { message });
        } catch {
          return;
        }
        judged++;
        assert.deepEqual(skillInputOfJson(named['message'] as Record<string, unknown>), skillInputOf(Message.fromJSON(message)));
      }),
      { numRuns: 2000 },
    );
    assert.ok(judged > 1000, `only ${judged} valid messages generated`);
  });

  test('is the first data part, else the text parts joined by newlines', () => {
    assert.deepEqual(skillInputOfJson({ parts: [{ text: 'a' }, { data: { n: 1 } }, { data: 2 }] }), { input: { n: 1 }, dataIndex: 1 });
    assert.deepEqual(skillInputOfJson({ parts: [{ text: 'a' }, { url: 'u' }, { data: null }, { text: 'b' }] }), { input: 'a\nb', dataIndex: -1 });
    assert.deepEqual(skillInputOfJson({ parts: [{ raw: 'aGk=' }] }), { input: '', dataIndex: -1 });
  });
});
