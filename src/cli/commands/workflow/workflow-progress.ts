/**
 * The state of a workflow run as its events tell it, one entry per
 * top-level step: what the live view redraws and `workflow show` prints.
 * Events of nested steps (`providers/slow`, `score/7`) count toward their
 * top-level step, so the view stays one line per step however deep the
 * workflow goes.
 */
import type { RunEvent } from '../../../orchestrator/index.js';

/** Where a top-level step stands. */
export type StepState = 'pending' | 'running' | 'retrying' | 'waiting' | 'completed' | 'failed' | 'skipped' | 'canceled';

/** A map's last `map.progress`. */
export interface MapProgress {
  batchesDone: number;
  batches: number;
  itemsDone: number;
  items: number;
  failed: number;
  /** Items per second since the map started. */
  rate: number;
}

/** One top-level step. */
export interface StepProgress {
  id: string;
  kind?: string;
  state: StepState;
  /** Client clock when it started (live view only: events carry no timestamp). */
  startedAt?: number;
  durationMs?: number;
  /** Completed by an earlier run or process (the engine did not call it again). */
  cached?: boolean;
  attempt?: number;
  agent?: string;
  error?: string;
  question?: string;
  map?: MapProgress;
  /** Nested steps that ended, for parallel, sequence and fallback steps. */
  nested: { completed: number; failed: number; last?: string };
}

/** The run as a whole. */
export interface RunSummary {
  runId?: string;
  workflow?: string;
  state: 'pending' | 'running' | 'completed' | 'failed' | 'canceled';
  resumed?: boolean;
  startedAt?: number;
  durationMs?: number;
  error?: string;
  /** Where it failed. */
  path?: string;
}

/**
 * Folds run events into per-step state.
 *
 * @example
 * const progress = new RunProgress({ workflow: 'lead-pipeline', steps: [{ id: 'enrich', kind: 'call' }] });
 * progress.apply({ type: 'step.started', runId: 'r1', path: 'enrich', kind: 'call', attempt: 1 }, Date.now());
 * progress.steps[0].state; // 'running'
 */
export class RunProgress {
  readonly run: RunSummary = { state: 'pending' };
  readonly #steps = new Map<string, StepProgress>();

  /** `steps`: the top-level steps when the definition is known (a local file), shown as pending. */
  constructor(options: { workflow?: string; steps?: ReadonlyArray<{ id: string; kind?: string }> } = {}) {
    if (options.workflow !== undefined) this.run.workflow = options.workflow;
    for (const step of options.steps ?? []) this.#steps.set(step.id, { id: step.id, ...(step.kind !== undefined && { kind: step.kind }), state: 'pending', nested: { completed: 0, failed: 0 } });
  }

  /** The top-level steps, in definition order (or the order they started). */
  get steps(): StepProgress[] {
    return [...this.#steps.values()];
  }

  /** Applies one event; `at` is the client clock (omit when replaying a history). */
  apply(event: RunEvent, at?: number): void {
    switch (event.type) {
      case 'run.started':
        Object.assign(this.run, { runId: event.runId, workflow: event.workflow, state: 'running', resumed: event.resumed });
        if (at !== undefined) this.run.startedAt = at;
        return;
      case 'run.completed':
        Object.assign(this.run, { runId: event.runId, state: 'completed', durationMs: event.durationMs });
        return;
      case 'run.failed':
        Object.assign(this.run, { runId: event.runId, state: 'failed', error: event.error, ...(event.path !== undefined && { path: event.path }) });
        return;
      default:
        this.#stepEvent(event, at);
    }
  }

  #stepEvent(event: Exclude<RunEvent, { type: 'run.started' | 'run.completed' | 'run.failed' }>, at: number | undefined): void {
    this.run.runId ??= event.runId;
    if (this.run.state === 'pending') this.run.state = 'running';
    const slash = event.path.indexOf('/');
    const id = slash === -1 ? event.path : event.path.slice(0, slash);
    const inner = slash === -1 ? undefined : event.path.slice(slash + 1);
    let step = this.#steps.get(id);
    if (!step) {
      step = { id, state: 'pending', nested: { completed: 0, failed: 0 } };
      this.#steps.set(id, step);
    }
    if (event.type === 'map.progress') {
      step.map = { batchesDone: event.batchesDone, batches: event.batches, itemsDone: event.itemsDone, items: event.items, failed: event.failed, rate: event.rate };
      if (step.state === 'pending') step.state = 'running';
      return;
    }
    if (inner !== undefined) {
      this.#nestedEvent(step, inner, event);
      return;
    }
    switch (event.type) {
      case 'step.started':
        Object.assign(step, { kind: event.kind, state: 'running', attempt: event.attempt, nested: { completed: 0, failed: 0 } });
        if (event.agent !== undefined) step.agent = event.agent;
        if (at !== undefined) step.startedAt = at;
        delete step.error;
        delete step.map;
        return;
      case 'step.completed':
        Object.assign(step, { kind: event.kind, state: 'completed', durationMs: event.durationMs, cached: event.cached });
        delete step.question;
        return;
      case 'step.skipped':
        step.state = 'skipped';
        return;
      case 'step.failed':
        Object.assign(step, { kind: event.kind, state: event.willRetry ? 'retrying' : 'failed', error: event.error });
        if (!event.willRetry && at !== undefined && step.startedAt !== undefined) step.durationMs = at - step.startedAt;
        return;
      case 'step.input-required':
        // Only call steps ask: the kind is known even when the step's start was not kept.
        Object.assign(step, { kind: step.kind ?? 'call', state: 'waiting', question: event.question, agent: event.agent });
        return;
      case 'step.awaiting-approval':
        Object.assign(step, { kind: step.kind ?? 'call', state: 'waiting', question: `approval: ${event.reason}`, agent: event.agent });
        return;
    }
  }

  #nestedEvent(step: StepProgress, inner: string, event: RunEvent): void {
    if (step.state === 'pending') step.state = 'running';
    switch (event.type) {
      case 'step.completed':
        step.nested.completed++;
        step.nested.last = `${inner} ${event.cached ? 'done earlier' : 'completed'}`;
        return;
      case 'step.failed':
        if (!event.willRetry) step.nested.failed++;
        step.nested.last = `${inner} failed: ${event.error}${event.willRetry ? ' (will retry)' : ''}`;
        return;
      case 'step.skipped':
        step.nested.last = `${inner} skipped`;
        return;
      case 'step.started':
        step.nested.last = `${inner} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
        return;
      case 'step.input-required':
        Object.assign(step, { state: 'waiting', question: event.question, agent: event.agent });
        step.nested.last = `${inner} waits for input`;
        return;
      case 'step.awaiting-approval':
        Object.assign(step, { state: 'waiting', question: `approval: ${event.reason}`, agent: event.agent });
        step.nested.last = `${inner} waits for approval`;
        return;
      default:
        return;
    }
  }

  /**
   * The run's task ended: what no event says (a canceled run emits none, a
   * definition refused before the run started neither) comes from the task.
   */
  ended(state: 'completed' | 'failed' | 'canceled', reason?: string): void {
    if (this.run.state === state) return;
    this.run.state = state;
    if (state === 'failed' && reason !== undefined) this.run.error ??= reason;
    if (state !== 'canceled') return;
    for (const step of this.#steps.values()) {
      if (step.state === 'running' || step.state === 'waiting' || step.state === 'retrying') step.state = 'canceled';
    }
  }

  /** Marks the step that asked as working again once the answer went out. */
  answered(): void {
    for (const step of this.#steps.values()) {
      if (step.state !== 'waiting') continue;
      step.state = 'running';
      delete step.question;
    }
  }
}
