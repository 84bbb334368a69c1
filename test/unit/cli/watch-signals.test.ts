import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCliIO } from '../../../src/cli/io/cli-io.js';
import { watchSignals } from '../../../src/cli/serving/until-signal.js';
import { Capture } from '../../integration/cli/cli-harness.js';

/*
 * A serving command watches SIGTERM from its first line: a signal that comes
 * while it starts (or the instant it prints that it is ready) is kept and
 * drains the process once it can, instead of killing it with the default
 * action. (Seen: `agentmesh up` signaled as its banner printed ended by the
 * signal 2 times in 8, not exit 0.)
 */
test('a SIGTERM before the command can shut down is kept, then drains it and says when it stopped', async () => {
  const stderr = new Capture();
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr, env: {} }), setExitCode: () => undefined });
  process.emit('SIGTERM', 'SIGTERM');
  let closed = 0;
  await signals.until(async () => {
    closed++;
  });
  assert.equal(closed, 1);
  assert.match(stderr.text, /^SIGTERM: draining…\nstopped in \d+\.\d s\n$/);
});

test('a SIGINT after until() drains as before; a failing shutdown is reported, not thrown', async () => {
  const stderr = new Capture();
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr, env: {} }), setExitCode: () => undefined });
  const done = signals.until(async () => {
    throw new Error('the database would not close');
  });
  process.emit('SIGINT', 'SIGINT');
  await done;
  assert.equal(stderr.text, 'SIGINT: draining…\nshutdown failed: the database would not close\n');
});
