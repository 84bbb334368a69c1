import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCliIO } from '../../../src/cli/io/cli-io.js';
import { watchSignals } from '../../../src/cli/serving/until-signal.js';
import { SAME_STOP_REQUEST_MS } from '../../../src/cli/serving/stop-signals.js';
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

test('a SIGINT after until() drains as before; a failing shutdown is reported, not thrown, and the exit code says it failed', async () => {
  const stderr = new Capture();
  const codes: number[] = [];
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr, env: {} }), setExitCode: (code) => codes.push(code) });
  const done = signals.until(async () => {
    throw new Error('the database would not close');
  });
  process.emit('SIGINT', 'SIGINT');
  await done;
  assert.equal(stderr.text, 'SIGINT: draining…\nshutdown failed: the database would not close\n');
  assert.deepEqual(codes, [1]);
});

/*
 * A terminal's Ctrl-C reaches every process of the foreground group, and npm
 * forwards it to `npm start`'s child too: one key press arrives twice. With
 * one-shot listeners the second copy fell through to Node's default action
 * and ended `agentmesh up` before it left the registry (3 runs in 4).
 */
test('a second request to stop is answered and the drain goes on; a third stops at once, saying so, with the shell code of the signal', async () => {
  const stderr = new Capture();
  const exits: number[] = [];
  let clock = 0;
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr, env: {} }), setExitCode: () => undefined }, { exit: (code) => exits.push(code), now: () => clock });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const done = signals.until(() => held);
  process.emit('SIGINT', 'SIGINT');
  // npm's forwarded copy of the same key press, a few ms later: the same request.
  clock += 5;
  process.emit('SIGINT', 'SIGINT');
  assert.equal(stderr.text, 'SIGINT: draining…\n');
  clock += SAME_STOP_REQUEST_MS;
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(exits, [], 'a second request does not end the drain');
  assert.match(stderr.text, /\nSIGINT again: still draining \(instances leave the registry, calls in flight finish\); a third SIGINT stops at once\n$/);
  clock += SAME_STOP_REQUEST_MS;
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(exits, [130]);
  assert.match(stderr.text, /\nSIGINT a third time: stopping now, before the drain finished: calls in flight are cut, and instances not yet removed stay in the registry until their lease lapses\n$/);
  release();
  await done;
});

test('a signal landing after the drain, as the process ends, is ignored rather than ending it by the signal', async () => {
  const stderr = new Capture();
  const exits: number[] = [];
  let clock = 0;
  // Earlier tests' listeners leave on their own timers meanwhile: this watch's own are the ones looked for.
  const earlier = process.listeners('SIGTERM');
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr, env: {} }), setExitCode: () => undefined }, { exit: (code) => exits.push(code), now: () => clock });
  const own = process.listeners('SIGTERM').filter((listener) => !earlier.includes(listener));
  assert.equal(own.length, 1);
  const done = signals.until(async () => undefined);
  process.emit('SIGTERM', 'SIGTERM');
  await done;
  for (let i = 0; i < 3; i++) {
    clock += SAME_STOP_REQUEST_MS;
    process.emit('SIGTERM', 'SIGTERM');
  }
  assert.ok(process.listeners('SIGTERM').includes(own[0]!), 'still listening: with no listener, the signal would end the process');
  assert.deepEqual(exits, []);
  assert.match(stderr.text, /^SIGTERM: draining…\nstopped in \d+\.\d s\n$/);
});

test('a drain quicker than a repeated request to stop ends no sooner than one could land, its listeners still there', async () => {
  const earlier = process.listeners('SIGTERM');
  const signals = watchSignals({ io: resolveCliIO({ stdout: new Capture(), stderr: new Capture(), env: {} }), setExitCode: () => undefined }, { exit: () => undefined });
  const own = process.listeners('SIGTERM').filter((listener) => !earlier.includes(listener));
  const started = performance.now();
  const done = signals.until(async () => undefined);
  process.emit('SIGTERM', 'SIGTERM');
  await done;
  // Timers may fire a millisecond early by rounding.
  assert.ok(performance.now() - started >= SAME_STOP_REQUEST_MS - 2, `ended after ${performance.now() - started} ms`);
  assert.ok(own.every((listener) => process.listeners('SIGTERM').includes(listener)));
});
