/** Tables of the orchestrator's workflow runs, as Kysely sees them (both dialects). */
export interface WorkflowRunsTable {
  /** The run id: the id of the workflow's A2A task on the orchestrator. */
  id: string;
  tenant: string;
  workflow: string;
  /** The definition as run, JSON (a later edit of the file does not change a running run). */
  definition: string;
  /** Validated inputs, JSON. */
  inputs: string;
  /** `running`, `input-required`, `completed`, `failed`, `canceled`. */
  status: string;
  outputs: string | null;
  error: string | null;
  /** The run whose completed steps this one reused (`resumeFrom`). */
  resumed_from: string | null;
  /** JSON `{ tenant, subject?, scopes? }`: who the run acts for at the gateway. */
  on_behalf_of: string;
  /** The refresh token of the run's delegation grant, sealed (`v1.…`); null when the run holds none. */
  delegation_grant: string | null;
  created_at: number;
  updated_at: number;
}

/** One step of a run, by path (`score/3/each`): its state and, once ended, its output. */
export interface WorkflowStepsTable {
  run_id: string;
  path: string;
  /** `running`, `input-required`, `completed`, `failed`, `skipped`, `canceled`. */
  status: string;
  /** The retry attempt the step is on, from 1. */
  attempt: number;
  /** How many messages the step has sent: each fresh send gets a new message id, a crash replay reuses the last. */
  sends: number;
  agent: string | null;
  /** The idempotency key of the last message sent (call steps). */
  message_id: string | null;
  task_id: string | null;
  context_id: string | null;
  /** JSON of the step's output once completed. */
  output: string | null;
  /** A completed map's: its output is its units' outputs, read from their records (`output` then NULL); NULL otherwise. Migration 0028. */
  output_units: number | null;
  /** Where the units of `output_units` are when they are not the step's own: the path of the map a step passes on (migration 0029); NULL otherwise. */
  output_units_at: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface WorkflowTables {
  workflow_runs: WorkflowRunsTable;
  workflow_steps: WorkflowStepsTable;
}
