import type { Metrics } from '../../observability/index.js';

/** Label of runs of a workflow sent in the message: its name is the caller's, so it never becomes a label. */
export const ADHOC_WORKFLOW = 'adhoc';

/** Distinct workflow label values kept; later ones count as "other" (bounded cardinality). */
const MAX_WORKFLOW_LABELS = 200;

/** How a run ended, as counted. */
export type RunEnd = 'completed' | 'failed' | 'canceled' | 'released';

interface ActiveRun {
  workflow: string;
  waiting: boolean;
  /** When the run last made progress (started, or a step ended). */
  lastProgress: number;
}

/** Options of {@link WorkflowMetrics}. */
export interface WorkflowMetricsOptions {
  metrics: Metrics;
  /** Names of the workflows offered as skills: only they are labels, every other run is `adhoc`. */
  registered: Iterable<string>;
  now?: () => number;
}

/**
 * The orchestrator's workflow metrics: runs by state, run and step
 * durations, map throughput, and how long the least busy running run has
 * gone without progress (what "stuck" alerts on). Labels never name a
 * tenant, and a workflow sent in a message is `adhoc`: its name is the
 * caller's own text, and the orchestrator's `/metrics` is on its public port.
 *
 * Active runs are this replica's (sum over replicas for the fleet).
 */
export class WorkflowMetrics {
  readonly #registered: Set<string>;
  readonly #labels = new Set<string>();
  readonly #active = new Map<string, ActiveRun>();
  readonly #now: () => number;
  readonly #started;
  readonly #ended;
  readonly #runSeconds;
  readonly #stepSeconds;
  readonly #mapItems;

  constructor(options: WorkflowMetricsOptions) {
    const { metrics } = options;
    this.#registered = new Set(options.registered);
    this.#now = options.now ?? Date.now;
    this.#started = metrics.counter('agentmesh_workflow_runs_started_total', 'Workflow runs started (resumed runs included), by workflow', ['workflow']);
    this.#ended = metrics.counter('agentmesh_workflow_runs_ended_total', 'Workflow runs ended on this replica, by workflow and state (completed, failed, canceled, released to another replica)', ['workflow', 'state']);
    this.#runSeconds = metrics.histogram('agentmesh_workflow_run_duration_seconds', 'Time a run worked on this replica, by workflow and end state', ['workflow', 'state'], [0.1, 0.5, 1, 5, 30, 120, 600, 3600, 21600, 86400]);
    this.#stepSeconds = metrics.histogram('agentmesh_workflow_step_duration_seconds', 'Time of one step attempt (map items included), by workflow, step kind and outcome', ['workflow', 'kind', 'outcome'], [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600]);
    this.#mapItems = metrics.counter('agentmesh_workflow_map_items_total', 'Items that map steps finished, by workflow and outcome (completed, failed)', ['workflow', 'outcome']);
    const active = this.#active;
    metrics.gauge('agentmesh_workflow_runs_active', 'Runs in progress on this replica, by workflow and state (running, input-required)', ['workflow', 'state'], (gauge) => {
      gauge.reset();
      // Zero for every registered workflow, so a dashboard shows the workflow before its first run.
      for (const name of this.#registered) {
        const workflow = this.label(name);
        gauge.set({ workflow, state: 'running' }, 0);
        gauge.set({ workflow, state: 'input-required' }, 0);
      }
      for (const run of active.values()) gauge.inc({ workflow: run.workflow, state: run.waiting ? 'input-required' : 'running' });
    });
    metrics.gauge('agentmesh_workflow_run_idle_seconds_max', 'Longest time a running run on this replica has gone without a step ending (runs waiting for input excluded); 0 when none runs', [], (gauge) => {
      const now = this.#now();
      let idle = 0;
      for (const run of active.values()) if (!run.waiting) idle = Math.max(idle, now - run.lastProgress);
      gauge.set(idle / 1000);
    });
  }

  /** The label of a workflow: its name when offered as a skill, else `adhoc`; `other` past the cap. */
  label(workflow: string): string {
    if (!this.#registered.has(workflow)) return ADHOC_WORKFLOW;
    if (this.#labels.has(workflow)) return workflow;
    if (this.#labels.size >= MAX_WORKFLOW_LABELS) return 'other';
    this.#labels.add(workflow);
    return workflow;
  }

  runStarted(runId: string, workflow: string): void {
    const label = this.label(workflow);
    this.#started.inc({ workflow: label });
    this.#active.set(runId, { workflow: label, waiting: false, lastProgress: this.#now() });
  }

  /** The run waits for the user (or works again): waiting runs are not stuck. */
  runPaused(runId: string, waiting: boolean): void {
    const run = this.#active.get(runId);
    if (!run) return;
    run.waiting = waiting;
    run.lastProgress = this.#now();
  }

  runEnded(runId: string, state: RunEnd, seconds: number): void {
    const run = this.#active.get(runId);
    if (!run) return;
    this.#active.delete(runId);
    this.#ended.inc({ workflow: run.workflow, state });
    this.#runSeconds.observe({ workflow: run.workflow, state }, seconds);
  }

  /** One attempt of a step ended (a retried step counts each attempt). */
  stepEnded(runId: string, kind: string, outcome: 'completed' | 'failed', seconds: number): void {
    const run = this.#active.get(runId);
    if (run) run.lastProgress = this.#now();
    this.#stepSeconds.observe({ workflow: run?.workflow ?? ADHOC_WORKFLOW, kind, outcome }, seconds);
  }

  /** Items of a map unit (one, or a batch) ended. */
  mapItems(runId: string, outcome: 'completed' | 'failed', items: number): void {
    const run = this.#active.get(runId);
    this.#mapItems.inc({ workflow: run?.workflow ?? ADHOC_WORKFLOW, outcome }, items);
  }
}
