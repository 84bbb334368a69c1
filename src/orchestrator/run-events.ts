/**
 * What a workflow run reports on its A2A task: every status update the
 * engine emits while the run works carries one of these as its data part
 * (`{ "agentmesh.workflow": RunEvent }`), beside a one-line text for
 * clients that only show text. `agentmesh workflow run` renders them.
 */
export const RUN_EVENT_KEY = 'agentmesh.workflow';

export type RunEvent =
  | { type: 'run.started'; runId: string; workflow: string; steps: number; resumed: boolean }
  | { type: 'step.started'; runId: string; path: string; kind: string; agent?: string; attempt: number }
  | { type: 'step.completed'; runId: string; path: string; kind: string; durationMs: number; cached: boolean }
  | { type: 'step.skipped'; runId: string; path: string }
  /** `code`: the `AM_ERR_…` code the step failed with (absent from orchestrators that predate it). */
  | { type: 'step.failed'; runId: string; path: string; kind: string; error: string; code?: string; willRetry: boolean }
  | { type: 'step.input-required'; runId: string; path: string; agent: string; question: string }
  /** A child call waits for a person's approval at the gateway (docs/approvals.md); the step resumes once it is decided. */
  | { type: 'step.awaiting-approval'; runId: string; path: string; agent: string; reason: string; approval: string }
  /** A map's progress: after each batch (or item) ends. `rate` is items per second since the map started. */
  | { type: 'map.progress'; runId: string; path: string; batchesDone: number; batches: number; itemsDone: number; items: number; failed: number; rate: number }
  | { type: 'run.completed'; runId: string; durationMs: number }
  /** `code`: the `AM_ERR_…` code the run failed with, its failing step's (absent from orchestrators that predate it). */
  | { type: 'run.failed'; runId: string; error: string; code?: string; path?: string };

/**
 * The orchestrator agent's skills:
 * - `route` (default): hands a message to the best agent (see router/).
 * - `run-workflow`: data `{ workflow: <definition object, or YAML/JSON text>, inputs?: {…} }`,
 *   or `{ resumeFrom: <runId>, inputs?: {…} }` to start a new run that reuses
 *   the completed steps of an earlier failed or canceled one.
 * - one skill per registered workflow (skill id = workflow name), data = its inputs.
 * The run id is the workflow task's id. Outputs come back as the `outputs`
 * artifact (data part: the named outputs).
 */
export const ROUTE_SKILL = 'route';
export const RUN_WORKFLOW_SKILL = 'run-workflow';
export const OUTPUTS_ARTIFACT = 'outputs';
/**
 * The artifact a run ends with (completed or failed): `{ steps: StepSummary[] }`,
 * one row per top-level step. Step starts and ends are streamed but not kept
 * in the task's history; this is what stays.
 */
export const STEPS_ARTIFACT = 'steps';

/**
 * The orchestrator's skill that reads a run's top-level steps a page at a
 * time (`{ runId, pageSize?, pageToken? }` → a {@link StepsPage}), answered
 * with a message: no task is stored for a read.
 */
export const RUN_STEPS_SKILL = 'run-steps';

/** Most top-level steps one `run-steps` page holds, and how many without `pageSize`. */
export const MAX_STEPS_PAGE = 500;
export const DEFAULT_STEPS_PAGE = 100;

/** One page of a run's top-level steps, in the definition's order; `nextPageToken` names the next while there is one. */
export interface StepsPage {
  runId: string;
  steps: StepSummary[];
  /** Top-level steps of the run, all pages together. */
  total: number;
  /** Where the page starts among them (0: the first page); absent from an orchestrator older than it. */
  offset?: number;
  nextPageToken?: string;
}

/** One top-level step of a run, as the `steps` artifact reports it. */
export interface StepSummary {
  path: string;
  kind: string;
  status: 'pending' | 'running' | 'input-required' | 'awaiting-approval' | 'completed' | 'failed' | 'skipped' | 'canceled';
  attempt?: number;
  agent?: string;
  taskId?: string;
  durationMs?: number;
  error?: string;
  /** Maps: units (batches or items) done and failed. */
  units?: { done: number; failed: number };
}
