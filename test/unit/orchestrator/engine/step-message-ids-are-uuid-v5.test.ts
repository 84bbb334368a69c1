/**
 * A step's message id is the version-5 UUID of its run, path and send (src/orchestrator/engine/message-ids.ts),
 * hashed by node:crypto. Runs that started under the `uuid` package's v5 resume after an upgrade, so the two
 * must give the same id for every name: a different one would be a new message, a step sent twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { v5 as uuidv5, validate, version } from 'uuid';
import { stepMessageId } from '../../../../src/orchestrator/engine/message-ids.js';

const NAMESPACE = '5b0e2f2c-6a3e-4d8e-9a57-2f0c7e6b9d14';

test('the id is the uuid package v5 of run, path and send, for any well-formed text', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uuid(), fc.string({ unit: 'grapheme' })), fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(), (runId, path, send) => {
      const id = stepMessageId(runId, path, send);
      assert.equal(id, uuidv5(`${runId}\u0000${path}\u0000${send}`, NAMESPACE));
      assert.ok(validate(id) && version(id) === 5, id);
    }),
    { numRuns: 2000 },
  );
});

test('a known id stays the same (a run written before an upgrade resumes with the ids it sent)', () => {
  // Written down once from the uuid package (14.0.3): pins the id should both ever drift together.
  assert.equal(stepMessageId('0192f1c2-0000-7000-8000-000000000001', 'steps/a', 1), '02a00d4b-edaf-5a92-8bb7-141947e97ed0');
  assert.notEqual(stepMessageId('r', 'a', 1), stepMessageId('r', 'a', 2));
  assert.notEqual(stepMessageId('r', 'a/0', 1), stepMessageId('r', 'a/1', 1));
});
