import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { LEFT_RUN_GRACE_MS, LeftRun } from '../../../src/gateway/proxy/acp-left-run.js';

/** A LeftRun with what it did recorded: the runs it cancelled, whether it let go of the ACP request. */
function watch() {
  const abort = new AbortController();
  const cancelled: string[] = [];
  const left = new LeftRun({ abort, cancel: (runId) => cancelled.push(runId) });
  return { left, abort, cancelled };
}

/** A {@link watch}ed LeftRun of a blocking send whose client left before the run's id came, on mocked timers. */
function leftBeforeTheRunId(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const watched = watch();
  watched.left.starting();
  watched.left.clientLeft();
  return watched;
}

describe('LeftRun: the run of a blocking send whose client leaves', () => {
  test('a client that leaves once the run exists: the run is cancelled, the ACP request let go of', () => {
    const { left, abort, cancelled } = watch();
    left.starting();
    left.started('run-1');
    left.clientLeft();
    assert.deepEqual(cancelled, ['run-1']);
    assert.equal(abort.signal.aborted, true);
  });

  test('a client that leaves before the run\'s id comes: the request stays open until it comes, then the run is cancelled', (t) => {
    const { left, abort, cancelled } = leftBeforeTheRunId(t);
    assert.equal(abort.signal.aborted, false, 'still waiting for the id');
    t.mock.timers.tick(LEFT_RUN_GRACE_MS - 1);
    left.started('run-2');
    assert.deepEqual(cancelled, ['run-2']);
    assert.equal(abort.signal.aborted, true);
  });

  test('an id that never comes: the request is let go of after the grace, nothing to cancel', (t) => {
    const { abort, cancelled } = leftBeforeTheRunId(t);
    t.mock.timers.tick(LEFT_RUN_GRACE_MS);
    assert.equal(abort.signal.aborted, true);
    assert.deepEqual(cancelled, []);
  });

  test('a run that ended before its answer went out is not cancelled', () => {
    const { left, abort, cancelled } = watch();
    left.starting();
    left.started('run-3');
    left.ended();
    left.clientLeft();
    assert.deepEqual(cancelled, []);
    assert.equal(abort.signal.aborted, true);
  });

  test('a call that is no blocking send (a stream, a read) lets go at once and cancels nothing', () => {
    const { left, abort, cancelled } = watch();
    left.clientLeft();
    assert.equal(abort.signal.aborted, true);
    assert.deepEqual(cancelled, []);
  });

  test('a client that leaves after its answer changes nothing', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { left, abort, cancelled } = watch();
    left.starting();
    left.started('run-4');
    left.answered();
    left.clientLeft();
    t.mock.timers.tick(LEFT_RUN_GRACE_MS);
    assert.equal(abort.signal.aborted, false);
    assert.deepEqual(cancelled, []);
  });
});
