/**
 * Run progress as text: one line per event (pipes, CI logs) and the compact
 * block of one line per top-level step that a terminal redraws in place.
 * Pure functions of their inputs, so tests compare the text.
 */
import type { RunEvent } from '../../../orchestrator/index.js';
import type { MapProgress, RunProgress, StepProgress, StepState } from './workflow-progress.js';

const SYMBOLS: Readonly<Record<StepState, string>> = {
  pending: '·',
  running: '…',
  retrying: '↻',
  waiting: '?',
  completed: '✓',
  failed: '✗',
  skipped: '-',
  canceled: '✗',
};

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** `320ms`, `4.2s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
}

/** `batches 7/20, 3,412 items, 1,204 items/s` (`items 7/20, …` when each unit is one item). */
export function formatMapProgress(map: MapProgress): string {
  const units = map.batches === map.items ? `items ${count(map.batchesDone)}/${count(map.batches)}` : `batches ${count(map.batchesDone)}/${count(map.batches)}, ${count(map.itemsDone)} items`;
  return `${units}, ${count(map.rate)} items/s${map.failed > 0 ? `, ${count(map.failed)} failed` : ''}`;
}

/** One event as one line, for output that is not a terminal. */
export function formatRunEvent(event: RunEvent): string {
  switch (event.type) {
    case 'run.started':
      return `run ${event.runId}: ${event.resumed ? 'resuming' : 'running'} workflow ${event.workflow} (${event.steps} step${event.steps === 1 ? '' : 's'})`;
    case 'step.started':
      return `${event.path}: started${event.agent !== undefined ? ` (${event.agent})` : ''}${event.attempt > 1 ? `, attempt ${event.attempt}` : ''}`;
    case 'step.completed':
      return event.cached ? `${event.path}: done earlier` : `${event.path}: completed in ${formatDuration(event.durationMs)}`;
    case 'step.skipped':
      return `${event.path}: skipped`;
    case 'step.failed':
      return `${event.path}: failed: ${event.error}${event.willRetry ? ' (will retry)' : ''}`;
    case 'step.input-required':
      return `${event.path}: ${event.agent} asks: ${event.question}`;
    case 'step.awaiting-approval':
      return `${event.path}: ${event.agent} waits for approval (${event.approval}): ${event.reason}`;
    case 'map.progress':
      return `${event.path}: ${formatMapProgress(event)}`;
    case 'run.completed':
      return `run ${event.runId}: completed in ${formatDuration(event.durationMs)}`;
    case 'run.failed':
      return `run ${event.runId}: failed${event.path !== undefined ? ` at ${event.path}` : ''}: ${event.error}`;
  }
}

/** Options of {@link renderRunBlock}. */
export interface BlockOptions {
  /** Client clock, for the elapsed time of running steps; omit for a static view (`workflow show`). */
  now?: number;
  /** Cut lines to this many characters (the terminal's width), so a redraw can count them. */
  width?: number;
}

/**
 * The compact block: a header with the workflow, run id and state, then one
 * line per top-level step, its state symbol and what it is doing.
 *
 * @example
 * renderRunBlock(progress, { now: Date.now(), width: process.stderr.columns });
 * // workflow lead-pipeline · run 0198… · running 4.2s
 * //   ✓ enrich  call  1.2s
 * //   … score   map   batches 7/20, 3,412 items, 1,204 items/s
 */
export function renderRunBlock(progress: RunProgress, options: BlockOptions = {}): string[] {
  const run = progress.run;
  const elapsed = run.durationMs ?? (options.now !== undefined && run.startedAt !== undefined ? options.now - run.startedAt : undefined);
  const state = run.state === 'failed' ? `failed${run.path !== undefined ? ` at ${run.path}` : ''}` : run.state;
  const header = [`workflow ${run.workflow ?? '…'}`, ...(run.runId !== undefined ? [`run ${run.runId}`] : []), `${run.resumed ? 'resumed, ' : ''}${state}${elapsed !== undefined ? ` ${formatDuration(elapsed)}` : ''}`].join(' · ');
  const steps = progress.steps;
  const idWidth = Math.max(0, ...steps.map((s) => s.id.length));
  const kindWidth = Math.max(0, ...steps.map((s) => (s.kind ?? '').length));
  const lines = [header, ...steps.map((s) => `  ${SYMBOLS[s.state]} ${s.id.padEnd(idWidth)}  ${(s.kind ?? '').padEnd(kindWidth)}  ${stepDetail(s, options.now)}`.trimEnd())];
  if (run.state === 'failed' && run.error !== undefined) lines.push(`  error: ${run.error}`);
  return options.width !== undefined && options.width > 1 ? lines.map((l) => cut(l, options.width! - 1)) : lines;
}

function stepDetail(step: StepProgress, now: number | undefined): string {
  const parts: string[] = [];
  switch (step.state) {
    case 'pending':
      return '';
    case 'skipped':
      return 'skipped';
    case 'canceled':
      return 'canceled';
    case 'completed': {
      const done = step.cached ? 'done earlier' : formatDuration(step.durationMs ?? 0);
      return step.map ? `${done}, ${count(step.map.items)} items${step.map.failed > 0 ? `, ${count(step.map.failed)} failed` : ''}` : done;
    }
    case 'failed':
      return `failed: ${step.error ?? 'unknown error'}${step.durationMs !== undefined ? ` (${formatDuration(step.durationMs)})` : ''}`;
    case 'waiting':
      return `waiting for input: ${step.agent !== undefined ? `${step.agent} asks ` : ''}${step.question ?? ''}`.trimEnd();
    case 'retrying':
      return `retrying after: ${step.error ?? 'a failure'}${step.attempt !== undefined ? ` (attempt ${step.attempt} failed)` : ''}`;
    case 'running':
      if (step.map) parts.push(formatMapProgress(step.map));
      else if (step.nested.completed + step.nested.failed > 0) parts.push(`${step.nested.completed} done${step.nested.failed > 0 ? `, ${step.nested.failed} failed` : ''}${step.nested.last !== undefined ? ` (${step.nested.last})` : ''}`);
      else if (step.nested.last !== undefined) parts.push(step.nested.last);
      else if (step.agent !== undefined) parts.push(step.agent);
      if (step.attempt !== undefined && step.attempt > 1) parts.push(`attempt ${step.attempt}`);
      if (now !== undefined && step.startedAt !== undefined) parts.push(formatDuration(now - step.startedAt));
      return parts.join(', ');
  }
}

function cut(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}
