import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isAgentmeshError } from '../../../../src/protocol/errors.js';
import { MAX_DURATION_MS, parseDuration } from '../../../../src/orchestrator/workflow/duration.js';

describe('parseDuration', () => {
  test('reads milliseconds as numbers and unit strings', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration(' 2h 15m '), 8_100_000);
  });

  test('refuses what is not a duration, naming the value', () => {
    for (const bad of ['30', '30 seconds', '1d', '-5s', 's', '', 1.5, -1] as const) {
      assert.throws(
        () => parseDuration(bad),
        (err: unknown) => isAgentmeshError(err) && err.code === ErrorCodes.WORKFLOW_INVALID && err.message.startsWith(`invalid duration ${JSON.stringify(bad)}`),
        `accepted ${JSON.stringify(bad)}`,
      );
    }
  });

  test('refuses durations a timer cannot hold', () => {
    assert.equal(parseDuration(MAX_DURATION_MS), MAX_DURATION_MS);
    assert.throws(() => parseDuration('597h'), /the longest duration is 2147483647 ms/);
    assert.throws(() => parseDuration(MAX_DURATION_MS + 1), /the longest duration/);
  });
});
