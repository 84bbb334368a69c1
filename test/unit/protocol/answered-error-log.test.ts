import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../src/protocol/error-messages.js';
import { logAnsweredError, markLogged, type AnswerLog } from '../../../src/protocol/wire-errors.js';

/** A logger that keeps each line's level and message. */
function recordingLog(): AnswerLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (_fields, message) => void lines.push(`error ${message}`),
    warn: (_fields, message) => void lines.push(`warn ${message}`),
    info: (_fields, message) => void lines.push(`info ${message}`),
  };
}

test('an error marked logged is skipped by the next log of it only: one object shared by many calls is logged for each', () => {
  const log = recordingLog();
  const shared = new Error('the store broke');
  markLogged(shared);
  logAnsweredError(log, shared, 'call A failed');
  assert.deepEqual(log.lines, [], 'the binding that marked it logged it already');
  logAnsweredError(log, shared, 'call B failed');
  assert.deepEqual(log.lines, ['error call B failed'], 'another call failing with the same object still logs');
});

test('a caller\'s own error (4xx) is not logged', () => {
  const log = recordingLog();
  logAnsweredError(log, Errors.taskNotFound({ taskId: 'x' }), 'get failed');
  assert.deepEqual(log.lines, []);
});
