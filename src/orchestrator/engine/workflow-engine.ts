import type { Logger } from 'pino';
import { AgentmeshError, Errors, invalidParams } from '../../protocol/index.js';
import type { AgentCaller, OnBehalfOf } from '../calls/agent-caller.js';
import type { WorkflowDefinition } from '../workflow/workflow-definition.js';
import { RunExecution, type ResolveTarget, type RunHost } from './run-execution.js';
import type { RunGrant, RunGrants } from './run-grants.js';
import type { RunRecord, RunStore } from './run-store.js';
import { failureCode, failureMessage, StepFailure } from './step-failure.js';
import { summarizeStepsPage } from './step-summary.js';
import { DEFAULT_STEPS_PAGE, MAX_STEPS_PAGE, type StepsPage, type StepSummary } from '../run-events.js';
import type { WorkflowMetrics } from './workflow-metrics.js';

export interface WorkflowEngineOptions {
  store: RunStore;
  caller: AgentCaller;
  resolveTarget: ResolveTarget;
  logger: Logger;
  now?: () => number;
  /** Multiplies retry backoffs (tests shorten them). Default 1. */
  backoffScale?: number;
  /** Shortest interval between two `map.progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** Records runs, steps and map items (absent: nothing recorded). */
  metrics?: WorkflowMetrics;
  /**
   * Delegation grants of runs (through a gateway): a run started with its
   * caller's token keeps acting for that caller after the token expires and
   * after a restart (docs/adr/0042-durable-delegation-grants.md). Absent: none.
   */
  grants?: RunGrants;
}

/** How a run starts: a new workflow with its inputs, or a new run continuing an earlier one. */
export type RunStart = { definition: WorkflowDefinition; inputs: Record<string, unknown> } | { resumeFrom: string };

/**
 * Runs workflows durably. The run id is the id of the A2A task that runs it:
 * when that task is run again after a crash (the orchestrator's skills are
 * idempotent), the engine finds the run and its step records and carries on
 * from the last completed step.
 */
export class WorkflowEngine {
  readonly #o: WorkflowEngineOptions;

  constructor(options: WorkflowEngineOptions) {
    this.#o = options;
  }

  get store(): RunStore {
    return this.#o.store;
  }

  /**
   * One row per top-level step of a run, from its records (empty when the
   * run is unknown), read a page at a time: never the run's records (and
   * their outputs) at once.
   */
  async summary(runId: string): Promise<StepSummary[]> {
    const run = await this.#o.store.definition(runId);
    if (!run) return [];
    const definition = definitionOf(run);
    const rows: StepSummary[] = [];
    for (let offset = 0; offset < definition.steps.length; offset += MAX_STEPS_PAGE) rows.push(...(await summarizeStepsPage(definition, this.#o.store, runId, offset, MAX_STEPS_PAGE)));
    return rows;
  }

  /**
   * One page of a run's top-level steps, in the definition's order: what
   * `workflow show` and the console read of a long run. The token is where
   * the next page starts.
   */
  async stepsPage(runId: string, tenant: string, page: { pageSize?: number; pageToken?: string } = {}): Promise<StepsPage> {
    const run = await this.#o.store.definition(runId);
    if (!run || run.tenant !== tenant) throw invalidParams('runId', 'is not a run of this tenant');
    const size = Math.min(MAX_STEPS_PAGE, Math.max(1, page.pageSize ?? DEFAULT_STEPS_PAGE));
    const offset = page.pageToken === undefined || page.pageToken === '' ? 0 : pageOffset(page.pageToken);
    const definition = definitionOf(run);
    const steps = await summarizeStepsPage(definition, this.#o.store, runId, offset, size);
    const next = offset + size;
    return { runId, steps, total: definition.steps.length, offset, ...(next < definition.steps.length && { nextPageToken: Buffer.from(`steps:${next}`).toString('base64url') }) };
  }

  /** Runs (or resumes) the run `host.runId`; resolves with its outputs, rejects with the reason it failed. */
  async run(host: RunHost, start: RunStart): Promise<unknown> {
    const { store, logger } = this.#o;
    const now = this.#o.now ?? Date.now;
    let existing = await store.get(host.runId);
    if (existing && existing.tenant !== host.onBehalfOf.tenant) throw Errors.workflowRunOfAnotherTenant({ runId: host.runId });
    let created = false;
    if (!existing) {
      // Read back only when another process created the run first.
      existing = (await this.#create(host, start)) ?? (await store.get(host.runId))!;
      created = true;
    } else if (existing.status === 'completed') {
      // Ended before the process could record the task's end: the outputs are kept.
      return existing.outputs;
    } else if (existing.status === 'failed' || existing.status === 'canceled') {
      throw Errors.workflowEnded({ workflow: existing.workflow, status: existing.status, reason: existing.error ?? existing.status });
    }
    const grant = await this.#grantOf(existing, host.onBehalfOf, created);
    // The definition as recorded: a run started from a file keeps its steps even if the file changes.
    const definition = definitionOf(existing);
    const recorded = await store.countSteps(host.runId);
    const resumed = recorded > 0;
    const started = now();
    const metrics = this.#o.metrics;
    metrics?.runStarted(host.runId, definition.name);
    const ended = (state: 'completed' | 'failed' | 'canceled' | 'released') => metrics?.runEnded(host.runId, state, (now() - started) / 1000);
    const execution = new RunExecution(
      {
        store,
        caller: this.#o.caller,
        resolveTarget: this.#o.resolveTarget,
        logger,
        now,
        ...(this.#o.backoffScale !== undefined ? { backoffScale: this.#o.backoffScale } : {}),
        ...(this.#o.progressIntervalMs !== undefined ? { progressIntervalMs: this.#o.progressIntervalMs } : {}),
        ...(metrics !== undefined ? { metrics } : {}),
      },
      {
        ...host,
        runId: host.runId,
        // Who the run acts for is the caller that started it: a run resumed after a crash has no caller of its own,
        // and so no subject token to exchange; the run's delegation grant acts for that caller (ADR 0042), else
        // the caller's own task (the same subject) brings its token.
        onBehalfOf: { ...withSubjectToken(existing.onBehalfOf, host.onBehalfOf), ...(grant !== undefined && { grant: grant.credential }) },
        traceparent: host.traceparent,
        signal: host.signal,
        emit: host.emit.bind(host),
        requestInput: host.requestInput.bind(host),
        paused: (waiting) => {
          host.paused?.(waiting);
          metrics?.runPaused(host.runId, waiting);
          void store.setStatus(host.runId, waiting ? 'input-required' : 'running').catch((err) => logger.warn({ err, runId: host.runId }, 'run status not saved'));
        },
      },
      definition,
      resumed,
    );
    host.emit(
      { type: 'run.started', runId: host.runId, workflow: definition.name, steps: definition.steps.length, resumed },
      resumed ? `Resuming workflow ${definition.name} (${recorded} step records)` : `Running workflow ${definition.name}`,
    );
    try {
      const outputs = await execution.execute(existing.inputs);
      await store.setStatus(host.runId, 'completed', { outputs: outputs ?? null });
      await this.#endGrant(host.runId, grant);
      ended('completed');
      host.emit({ type: 'run.completed', runId: host.runId, durationMs: now() - started }, `Workflow ${definition.name} completed`);
      return outputs;
    } catch (err) {
      if (host.signal.aborted) {
        // Let go by a draining process: the run resumes elsewhere, as it is.
        if (execution.letGo()) {
          ended('released');
          throw err;
        }
        await this.#endGrant(host.runId, grant);
        const reason = host.signal.reason instanceof Error ? host.signal.reason.message : '';
        // The runtime ends a task past its time limit the same way it cancels one: the reason tells them apart.
        const canceled = /cancel/i.test(reason) || reason === '';
        ended(canceled ? 'canceled' : 'failed');
        await store.setStatus(host.runId, canceled ? 'canceled' : 'failed', { error: canceled ? 'canceled' : reason }).catch(() => undefined);
        throw err;
      }
      const message = failureMessage(err);
      const code = failureCode(err);
      ended('failed');
      await store.setStatus(host.runId, 'failed', { error: message }).catch((e) => logger.warn({ err: e }, 'run status not saved'));
      await this.#endGrant(host.runId, grant);
      host.emit({ type: 'run.failed', runId: host.runId, error: message, code, ...(err instanceof StepFailure ? { path: err.path } : {}) }, `Workflow ${definition.name} failed: ${message}`);
      if (!(err instanceof AgentmeshError)) logger.warn({ err, runId: host.runId }, 'workflow run failed unexpectedly');
      throw Errors.workflowEnded({ workflow: definition.name, status: 'failed', reason: message }, { details: { failure: code, ...(err instanceof StepFailure ? { path: err.path } : {}) }, cause: err });
    }
  }

  /**
   * The run's delegation grant: a new one from the caller's token when the run
   * was just created; else the one recorded with it (a run resumed after a
   * restart, which has no caller token of its own); else a new one when the
   * task running it carries the same caller's token.
   */
  async #grantOf(run: RunRecord, host: OnBehalfOf, created: boolean): Promise<RunGrant | undefined> {
    const grants = this.#o.grants;
    if (grants === undefined) return undefined;
    const sameCaller = host.subjectToken !== undefined && host.tenant === run.onBehalfOf.tenant && host.subject === run.onBehalfOf.subject;
    if (!created && run.delegationGrant !== null) {
      try {
        return grants.resume(run.id, run.delegationGrant);
      } catch (err) {
        this.#o.logger.error({ err, runId: run.id }, "the run's delegation grant does not open (another storage secret?)");
      }
    }
    return sameCaller ? grants.start(run.id, host.subjectToken!) : undefined;
  }

  /** The run ended for good: its grant is revoked (a resumed run gets a new one from its caller). */
  async #endGrant(runId: string, grant: RunGrant | undefined): Promise<void> {
    await grant?.end().catch((err: unknown) => this.#o.logger.warn({ err, runId }, "the run's delegation grant was not dropped"));
  }

  /** Records a new run: a workflow with its inputs, or the continuation of a failed or canceled run (at most one per run). */
  async #create(host: RunHost, start: RunStart): Promise<RunRecord | undefined> {
    const { store } = this.#o;
    if (!('resumeFrom' in start)) {
      return store.create({ id: host.runId, workflow: start.definition.name, definition: start.definition, inputs: start.inputs, onBehalfOf: host.onBehalfOf });
    }
    const earlier = await store.get(start.resumeFrom);
    const refuse = (description: string) =>
      Errors.workflowResumeRefused({ runId: start.resumeFrom, description }, { violations: [{ field: 'resumeFrom', description }] });
    if (!earlier || earlier.tenant !== host.onBehalfOf.tenant) throw refuse('is not a run of this tenant');
    if (earlier.status !== 'failed' && earlier.status !== 'canceled') throw refuse(earlier.status === 'completed' ? 'completed; there is nothing to resume' : `is still ${earlier.status}; cancel it first`);
    const later = await store.resumedBy(earlier.id);
    if (later !== undefined) throw refuse(`was resumed already, by run ${later}`);
    let created: RunRecord | undefined;
    try {
      created = await store.create({ id: host.runId, workflow: earlier.workflow, definition: earlier.definition, inputs: earlier.inputs, onBehalfOf: host.onBehalfOf, resumedFrom: earlier.id });
    } catch (err) {
      // Two resumes at once: the unique index lets one through.
      if ((await store.resumedBy(earlier.id)) !== undefined) throw refuse('was resumed already');
      throw err;
    }
    await store.copySteps(earlier.id, host.runId);
    return created;
  }
}

/** The definition a run recorded when it started (written by {@link RunStore.create} from a checked definition). */
function definitionOf(run: Pick<RunRecord, 'definition'>): WorkflowDefinition {
  return run.definition as WorkflowDefinition;
}

/** Where the page a token names starts. */
function pageOffset(token: string): number {
  const match = /^steps:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match) throw invalidParams('pageToken', 'is not a token this listing handed out');
  return Number(match[1]);
}

/** The run's stored principal, with the subject token of the task running it when that task is the same caller's. */
function withSubjectToken(stored: OnBehalfOf, host: OnBehalfOf): OnBehalfOf {
  if (host.subjectToken === undefined || host.tenant !== stored.tenant || host.subject !== stored.subject) return stored;
  return { ...stored, subjectToken: host.subjectToken };
}
