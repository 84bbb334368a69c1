import type { RunEvent } from '../run-events.js';
import type { Step, StepResult, TemplateScope } from '../workflow/workflow-definition.js';
import type { WorkflowMetrics } from './workflow-metrics.js';

/** Options of one step's execution. */
export interface StepOptions {
  /** Inside a map: no started/completed events per item (a map reports `map.progress` instead). */
  quiet?: boolean;
}

/**
 * What a step made of steps (map, parallel) needs from the run it is part
 * of: to run its inner steps, to report, and the run's clock and metrics.
 * `RunExecution` is one; the composite steps know only this, so the run and
 * its steps do not import each other.
 */
export interface StepRunner {
  readonly deps: { now(): number; progressIntervalMs?: number | undefined; metrics?: WorkflowMetrics | undefined };
  readonly host: { readonly runId: string };
  /** Runs one step with its `when`, `retry` and `timeout`; throws a `StepFailure` (or the abort of `signal`). */
  step(step: Step, scope: TemplateScope, path: string, signal: AbortSignal, options?: StepOptions): Promise<StepResult>;
  /**
   * The results of those of `paths` an earlier process finished (completed or
   * skipped), read at once: a resumed map reads its units a page at a time,
   * not one by one. Empty when the run can have no such records.
   */
  finished(paths: readonly string[]): Promise<Map<string, StepResult>>;
  /** `value` with a map's outputs (`UnitOutputs`) read into their list: for a step that wraps its inner steps' outputs. */
  settle(value: unknown): Promise<unknown>;
  /** Reports progress on the workflow's task. */
  emit(event: RunEvent, text: string): void;
}
