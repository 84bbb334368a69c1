/**
 * A workflow as the engine runs it: what `parseWorkflow` returns once a YAML
 * or JSON file has been validated against `schemas/workflow.schema.json`.
 *
 * Templated values (`input`, `when`, `over`, `outputs`) are kept as written —
 * strings holding `{{ … }}` anywhere inside plain JSON values — and compiled
 * by `workflow/expressions.ts` when the engine evaluates them against a
 * {@link TemplateScope}. The one rewrite: a `when` or `over` written bare
 * (`steps.a.output.count > 0`) is stored braced (`{{ steps.a.output.count > 0 }}`).
 */

/** A JSON value as written in the file, possibly holding `{{ expression }}` strings. */
export type Template = unknown;

/** One named input of a workflow: a JSON Schema of its own, plus presentation. */
export interface WorkflowInput {
  /** JSON Schema of the value (`type`, `items`, `enum`, `minimum`…). */
  schema: Record<string, unknown>;
  description?: string;
  /** Used when the caller leaves the input out; an input without a default is required. */
  default?: unknown;
  required: boolean;
}

/** Retry of a step: `attempts` in total (1 = no retry), backoff doubling from `backoffMs` up to `maxBackoffMs`. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** What every step has. `id` is unique among its siblings; paths join ids with `/`. */
export interface StepBase {
  id: string;
  /** Expression (`{{ expr }}`); the step is skipped (status `skipped`, output `null`) when it evaluates falsy. */
  when?: string;
  /** Fails the step (and cancels its children) when it runs longer, milliseconds. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Where the definition sits in its file, for error messages at run time. */
  source?: { line: number; column: number };
}

/** Which agent a call goes to: by name, or by skill id (and tags) through the registry. */
export interface CallTarget {
  agent?: string;
  skill?: string;
  tags?: string[];
}

export interface CallStep extends StepBase {
  kind: 'call';
  call: CallTarget;
  /** The message's data part (a string template becomes a text part). */
  input: Template;
}

export interface SequenceStep extends StepBase {
  kind: 'sequence';
  steps: Step[];
}

export type JoinPolicy = 'all' | 'allSettled' | 'first' | 'quorum';

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  join: JoinPolicy;
  /** With `join: quorum`: how many branches must complete. */
  quorum?: number;
  steps: Step[];
}

/**
 * What a map does when items (or batches) fail: `fail` stops the map at the
 * first failure (in-flight ones are canceled); `continue` runs everything and
 * reports failures in the output; `threshold` fails once more than
 * `maxFailures` failed.
 */
export interface MapFailurePolicy {
  mode: 'fail' | 'continue' | 'threshold';
  maxFailures?: number;
}

export interface MapStep extends StepBase {
  kind: 'map';
  /** Expression (`{{ expr }}`) yielding the list: `compileTemplate(over).render(scope)`. */
  over: string;
  /** Items per batch; 1 with `mode: item`. */
  batchSize: number;
  /** Batches (or items) in flight at once. */
  concurrency: number;
  /** `item`: the inner step sees `{{ item }}`; `batch`: it sees `{{ batch }}` (an array). Both see `{{ index }}`. */
  mode: 'item' | 'batch';
  onFailure: MapFailurePolicy;
  /** The step run per item or per batch. */
  step: Step;
}

export interface FallbackStep extends StepBase {
  kind: 'fallback';
  /** Tried in order until one completes. */
  steps: Step[];
}

export type Step = CallStep | SequenceStep | ParallelStep | MapStep | FallbackStep;

export interface WorkflowDefinition {
  /** Unique name; becomes the skill id when the workflow is registered. */
  name: string;
  description?: string;
  version?: string;
  /** Tags of the skill when registered. */
  tags?: string[];
  inputs: Record<string, WorkflowInput>;
  steps: Step[];
  /** Named outputs, each a template; absent = the last top-level step's output. */
  outputs?: Record<string, Template>;
  /** Where it was read from (file path or `<inline>`). */
  source: string;
}

/** Result of a finished step, as later templates see it under `steps.<id>`. */
export interface StepResult {
  status: 'completed' | 'failed' | 'skipped' | 'canceled';
  output: unknown;
  error?: string;
  /** The child task, for call steps. */
  taskId?: string;
  agent?: string;
}

/** The steps a scope sees: the path of the one an id names there (the innermost), and every id it sees. */
export interface StepsInView {
  pathOf(id: string): string | undefined;
  ids(): string[];
}

/**
 * What templates can read: `inputs.*`, `steps.<id>.output|status|error`
 * (steps visible from where the template is: earlier siblings and the
 * siblings of every enclosing step), and inside a map `item`, `batch`,
 * `index`. `run.id` and `run.tenant` identify the run.
 */
export interface TemplateScope {
  inputs: Record<string, unknown>;
  /** The results a render reads; the engine fills in those a template names from `inView` just before it renders. */
  steps: Record<string, StepResult>;
  /**
   * The engine's: which steps this scope sees, by id, and their paths. A run
   * keeps its results in its step records, not here, so its memory does not
   * grow with its length.
   */
  inView?: StepsInView;
  item?: unknown;
  batch?: unknown[];
  index?: number;
  run: { id: string; tenant: string; workflow: string };
}
