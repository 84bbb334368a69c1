import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunEvent } from '../../../src/orchestrator/index.js';
import { formatDuration, formatMapProgress, formatRunEvent, renderRunBlock } from '../../../src/cli/commands/workflow/workflow-progress-format.js';
import { createProgressView } from '../../../src/cli/commands/workflow/workflow-progress-view.js';
import { RunProgress } from '../../../src/cli/commands/workflow/workflow-progress.js';

const runId = 'run-1';

/** A run of seed 004's shape: a chain, a parallel with a failed branch, a map with retries, a skipped step. */
const EVENTS: RunEvent[] = [
  { type: 'run.started', runId, workflow: 'lead-pipeline', steps: 5, resumed: false },
  { type: 'step.started', runId, path: 'enrich', kind: 'call', agent: 'enricher', attempt: 1 },
  { type: 'step.completed', runId, path: 'enrich', kind: 'call', durationMs: 1234, cached: false },
  { type: 'step.started', runId, path: 'providers', kind: 'parallel', attempt: 1 },
  { type: 'step.started', runId, path: 'providers/ok', kind: 'call', attempt: 1 },
  { type: 'step.completed', runId, path: 'providers/ok', kind: 'call', durationMs: 40, cached: false },
  { type: 'step.failed', runId, path: 'providers/slow', kind: 'call', error: 'timed out after 500 ms', willRetry: false },
  { type: 'step.completed', runId, path: 'providers', kind: 'parallel', durationMs: 512, cached: false },
  { type: 'step.started', runId, path: 'score', kind: 'map', attempt: 1 },
  { type: 'map.progress', runId, path: 'score', batchesDone: 0, batches: 20, itemsDone: 0, items: 10_000, failed: 0, rate: 0 },
  { type: 'step.failed', runId, path: 'score/3', kind: 'call', error: 'transient failure 1', willRetry: true },
  { type: 'map.progress', runId, path: 'score', batchesDone: 7, batches: 20, itemsDone: 3412, items: 10_000, failed: 0, rate: 1204.4 },
];
const REST: RunEvent[] = [
  { type: 'map.progress', runId, path: 'score', batchesDone: 20, batches: 20, itemsDone: 10_000, items: 10_000, failed: 0, rate: 1500 },
  { type: 'step.completed', runId, path: 'score', kind: 'map', durationMs: 6_700, cached: false },
  { type: 'step.skipped', runId, path: 'notify' },
  { type: 'step.started', runId, path: 'launch', kind: 'call', agent: 'campaigner', attempt: 1 },
  { type: 'step.input-required', runId, path: 'launch', agent: 'campaigner', question: 'Which segment?' },
];

describe('formatting', () => {
  test('durations read at a glance', () => {
    assert.deepEqual([0, 320, 1234, 59_999, 125_000, 3_720_000].map(formatDuration), ['0ms', '320ms', '1.2s', '59.9s', '2m05s', '1h02m']);
  });

  test('map progress: batches, items and rate with thousands separators', () => {
    assert.equal(formatMapProgress({ batchesDone: 7, batches: 20, itemsDone: 3412, items: 10_000, failed: 0, rate: 1204.4 }), 'batches 7/20, 3,412 items, 1,204 items/s');
    assert.equal(formatMapProgress({ batchesDone: 3, batches: 8, itemsDone: 3, items: 8, failed: 1, rate: 2 }), 'items 3/8, 2 items/s, 1 failed');
  });
});

describe('the line view (not a terminal)', () => {
  test('prints one line per event, nothing redrawn', () => {
    let out = '';
    const view = createProgressView({ sink: { write: (s: string) => (out += s) }, progress: new RunProgress(), live: false, now: () => 0 });
    for (const event of [...EVENTS, ...REST, { type: 'run.failed', runId, error: 'launch: campaigner failed: no budget', path: 'launch' } as RunEvent]) view.event(event);
    view.close();
    assert.equal(
      out,
      [
        'run run-1: running workflow lead-pipeline (5 steps)',
        'enrich: started (enricher)',
        'enrich: completed in 1.2s',
        'providers: started',
        'providers/ok: started',
        'providers/ok: completed in 40ms',
        'providers/slow: failed: timed out after 500 ms',
        'providers: completed in 512ms',
        'score: started',
        'score: batches 0/20, 0 items, 0 items/s',
        'score/3: failed: transient failure 1 (will retry)',
        'score: batches 7/20, 3,412 items, 1,204 items/s',
        'score: batches 20/20, 10,000 items, 1,500 items/s',
        'score: completed in 6.7s',
        'notify: skipped',
        'launch: started (campaigner)',
        'launch: campaigner asks: Which segment?',
        'run run-1: failed at launch: launch: campaigner failed: no budget',
        '',
      ].join('\n'),
    );
    assert.ok(!out.includes('\x1b'), 'no cursor movement off a terminal');
  });

  test('names a resumed run, cached steps and retries', () => {
    assert.equal(formatRunEvent({ type: 'run.started', runId, workflow: 'w', steps: 1, resumed: true }), 'run run-1: resuming workflow w (1 step)');
    assert.equal(formatRunEvent({ type: 'step.completed', runId, path: 'enrich', kind: 'call', durationMs: 0, cached: true }), 'enrich: done earlier');
    assert.equal(formatRunEvent({ type: 'step.started', runId, path: 'score', kind: 'call', attempt: 2 }), 'score: started, attempt 2');
    assert.equal(formatRunEvent({ type: 'run.completed', runId, durationMs: 2300 }), 'run run-1: completed in 2.3s');
  });
});

describe('the block (terminal, and workflow show)', () => {
  test('one line per top-level step with its state, duration, map progress and nested outcomes', () => {
    const progress = new RunProgress({ workflow: 'lead-pipeline', steps: ['enrich', 'providers', 'score', 'notify', 'launch'].map((id) => ({ id })) });
    let clock = 1000;
    for (const event of EVENTS) progress.apply(event, (clock += 100));
    assert.deepEqual(renderRunBlock(progress, { now: 5000 }), [
      'workflow lead-pipeline · run run-1 · running 3.9s',
      '  ✓ enrich     call      1.2s',
      '  ✓ providers  parallel  512ms',
      '  … score      map       batches 7/20, 3,412 items, 1,204 items/s, 3.1s',
      '  · notify',
      '  · launch',
    ]);
    for (const event of REST) progress.apply(event, (clock += 100));
    assert.deepEqual(renderRunBlock(progress, { now: 5000 }).slice(3), [
      '  ✓ score      map       6.7s, 10,000 items',
      '  - notify               skipped',
      '  ? launch     call      waiting for input: campaigner asks Which segment?',
    ]);
    progress.answered();
    progress.apply({ type: 'step.completed', runId, path: 'launch', kind: 'call', durationMs: 800, cached: false });
    progress.apply({ type: 'run.completed', runId, durationMs: 9100 });
    assert.equal(renderRunBlock(progress)[0], 'workflow lead-pipeline · run run-1 · completed 9.1s');
    assert.equal(renderRunBlock(progress).at(-1), '  ✓ launch     call      800ms');
  });

  test('a running parallel step counts its branches; a failed run names the step and error', () => {
    const progress = new RunProgress();
    for (const event of EVENTS.slice(0, 7)) progress.apply(event);
    assert.equal(renderRunBlock(progress)[2], '  … providers  parallel  1 done, 1 failed (slow failed: timed out after 500 ms)');
    progress.apply({ type: 'step.failed', runId, path: 'providers', kind: 'parallel', error: 'every branch failed', willRetry: false });
    progress.apply({ type: 'run.failed', runId, error: 'providers: every branch failed', path: 'providers' });
    const block = renderRunBlock(progress);
    assert.equal(block[0], 'workflow lead-pipeline · run run-1 · failed at providers');
    assert.equal(block[2], '  ✗ providers  parallel  failed: every branch failed');
    assert.equal(block.at(-1), '  error: providers: every branch failed');
  });

  test('a retrying step says so, then counts the attempt', () => {
    const progress = new RunProgress();
    progress.apply({ type: 'step.started', runId, path: 'work', kind: 'call', agent: 'flaky', attempt: 1 }, 0);
    progress.apply({ type: 'step.failed', runId, path: 'work', kind: 'call', error: 'transient failure 1', willRetry: true }, 10);
    assert.equal(renderRunBlock(progress)[1], '  ↻ work  call  retrying after: transient failure 1 (attempt 1 failed)');
    progress.apply({ type: 'step.started', runId, path: 'work', kind: 'call', agent: 'flaky', attempt: 2 }, 20);
    assert.equal(renderRunBlock(progress, { now: 520 })[1], '  … work  call  flaky, attempt 2, 500ms');
  });

  test('lines are cut to the terminal width so a redraw can count them', () => {
    const progress = new RunProgress({ workflow: 'a-workflow-with-a-rather-long-name' });
    progress.apply({ type: 'step.input-required', runId, path: 'ask', agent: 'asker', question: 'x'.repeat(200) });
    for (const line of renderRunBlock(progress, { width: 40 })) assert.ok([...line].length <= 39, line);
  });

  test('the live view redraws the block in place and keeps notes above it', () => {
    let out = '';
    const view = createProgressView({ sink: { write: (s: string) => (out += s) }, progress: new RunProgress({ workflow: 'w', steps: [{ id: 'a' }] }), live: true, now: () => 0, tickMs: 0 });
    assert.equal(out, 'workflow w · pending\n  · a\n');
    out = '';
    view.event({ type: 'step.started', runId, path: 'a', kind: 'call', attempt: 1 });
    assert.equal(out, '\x1b[2F\x1b[Jworkflow w · run run-1 · running\n  … a  call  0ms\n', 'moves up over the 2 lines drawn, erases, draws');
    out = '';
    view.note('canceling run run-1…');
    assert.equal(out, '\x1b[2F\x1b[Jcanceling run run-1…\nworkflow w · run run-1 · running\n  … a  call  0ms\n');
    view.close();
    out = '';
    view.close();
    view.event({ type: 'step.completed', runId, path: 'a', kind: 'call', durationMs: 5, cached: false });
    assert.equal(out, '', 'nothing is redrawn after close: it would erase the outputs printed below');
  });
});

describe('the end of a run', () => {
  test('a canceled run marks its unfinished steps canceled (the engine emits no event for it)', () => {
    const progress = new RunProgress({ steps: [{ id: 'first' }, { id: 'lookup' }, { id: 'later' }] });
    progress.apply({ type: 'run.started', runId, workflow: 'slow-lookup', steps: 3, resumed: false });
    progress.apply({ type: 'step.completed', runId, path: 'first', kind: 'call', durationMs: 86, cached: false });
    progress.apply({ type: 'step.started', runId, path: 'lookup', kind: 'call', attempt: 1 });
    progress.ended('canceled');
    assert.deepEqual(renderRunBlock(progress), ['workflow slow-lookup · run run-1 · canceled', '  ✓ first   call  86ms', '  ✗ lookup  call  canceled', '  · later']);
  });

  test('a run refused before it started fails with the task’s reason', () => {
    const progress = new RunProgress({ workflow: 'w' });
    progress.ended('failed', 'Invalid inputs for workflow w: inputs.key is required');
    assert.deepEqual(renderRunBlock(progress), ['workflow w · failed', '  error: Invalid inputs for workflow w: inputs.key is required']);
  });
});
