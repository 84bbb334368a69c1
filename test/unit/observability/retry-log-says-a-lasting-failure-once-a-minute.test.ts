/**
 * A failure retried until it works is said at warn when it starts, again at
 * most once a minute with how many attempts went unsaid, at debug between,
 * and its end once at info: a role started before its registry must not
 * bury its other lines under one warning and cause chain per attempt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/logger.js';
import { RetryLog } from '../../../src/observability/retry-log.js';
import { memoryDestination } from '../../helpers/memory-log.js';

function fixture(level: 'info' | 'debug' = 'info') {
  const { stream: destination, records } = memoryDestination();
  let now = 1_000_000;
  const said = new RetryLog(createLogger({ level, destination }), () => now);
  return { said, records, advance: (ms: number) => (now += ms) };
}

test('a run of failures: the first and one a minute at warn, the end at info', () => {
  const { said, records, advance } = fixture();
  const down = new Error('connect ECONNREFUSED 127.0.0.1:4100');
  for (let i = 0; i < 20; i++) {
    said.failed(down, 'cannot follow the registry; retrying', { registry: 'http://localhost:4100' });
    advance(5_000);
  }
  // 20 attempts 5 s apart: t = 0 (first), t = 60 s (13th), the rest unsaid.
  said.succeeded('following the registry again', { registry: 'http://localhost:4100' });
  const lines = records();
  assert.deepEqual(
    lines.map((r) => [r.level, r.msg, r.failures]),
    [
      [40, 'cannot follow the registry; retrying', 1],
      [40, 'cannot follow the registry; retrying (still failing)', 13],
      [30, 'following the registry again', 20],
    ],
  );
  assert.equal((lines[0]!.err as { message: string }).message, down.message);
  assert.equal(lines[1]!.notLoggedSince, 11);
  assert.equal(lines[1]!.failingForMs, 60_000);
  assert.equal(lines[2]!.failingForMs, 100_000);
  assert.equal(lines[2]!.registry, 'http://localhost:4100');
  assert.equal(said.failures, 0);
});

test('success without a failure before it says nothing; a new run starts loud again', () => {
  const { said, records, advance } = fixture();
  said.succeeded('following the registry again');
  assert.deepEqual(records(), []);
  said.failed(new Error('one'), 'heartbeat failed; retrying', {}, 'error');
  said.succeeded('the registry answers again');
  advance(1_000);
  said.failed(new Error('two'), 'heartbeat failed; retrying', {}, 'error');
  assert.deepEqual(
    records().map((r) => [r.level, r.msg, r.failures]),
    [
      [50, 'heartbeat failed; retrying', 1],
      [30, 'the registry answers again', 1],
      [50, 'heartbeat failed; retrying', 1],
    ],
  );
});

test('the attempts between are at debug, for whoever asks for them', () => {
  const { said, records, advance } = fixture('debug');
  for (let i = 0; i < 3; i++) {
    said.failed(new Error('down'), 'cannot follow the registry; retrying');
    advance(1_000);
  }
  assert.deepEqual(
    records().map((r) => [r.level, r.failures]),
    [
      [40, 1],
      [20, 2],
      [20, 3],
    ],
  );
});
