import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentmeshError, ErrorCodes, WIRE } from '../../../src/protocol/errors.js';

test('every error code has a wire mapping', () => {
  for (const code of Object.values(ErrorCodes)) assert.ok(WIRE[code], code);
});

test('an error renders its HTTP status from the table', () => {
  const err = new AgentmeshError(ErrorCodes.TASK_NOT_FOUND, 'nope');
  assert.equal(err.statusCode, 404);
  assert.equal(err.expose, true);
});
