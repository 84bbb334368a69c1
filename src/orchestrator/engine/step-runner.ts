import type { RunEvent } from '../run-events.js';
import type { Step, StepResult, TemplateScope } from '../workflow/workflow-definition.js';
import type { WorkflowMetrics } from './workflow-metrics.js';

/** Options of one step's execution. */
export interface StepOptions {
  /** Inside a map: no started/completed events per item (a map reports `map.progress` instead). */
  quiet?: boolean;
  /**
   * A map unit's: its completed record is written without the unit waiting
   * for it, the write handed here (the map waits for every one before it
   * ends). A restart that finds no such record sends the unit's call again
   * under the same message id, which its agent answers with the task it has
   * (a call routed by skill recorded its send first). On the fleet the wait
   * for each record was a round trip to PostgreSQL on every unit's path.
   * Steps inside the unit wait for their own records as usual.
   */
  recordWritten?: (written: Promise<void>) => void;
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
