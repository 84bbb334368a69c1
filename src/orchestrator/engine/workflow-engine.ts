import type { Logger } from 'pino';
import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { AgentCaller } from '../calls/agent-caller.js';
import type { WorkflowDefinition } from '../workflow/workflow-definition.js';
import { RunExecution, type ResolveTarget, type RunHost } from './run-execution.js';
import type { RunStore } from './run-store.js';
import { failureMessage, StepFailure } from './step-failure.js';
import { summarizeSteps } from './step-summary.js';
import type { StepSummary } from '../run-events.js';

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

  /** One row per top-level step of a run, from its records (empty when the run is unknown). */
  async summary(runId: string): Promise<StepSummary[]> {
    const run = await this.#o.store.get(runId);
    if (!run) return [];
    return summarizeSteps(run.definition as WorkflowDefinition, await this.#o.store.steps(runId));
  }

  /** Runs (or resumes) the run `host.runId`; resolves with its outputs, rejects with the reason it failed. */
  async run(host: RunHost, start: RunStart): Promise<unknown> {
    const { store, logger } = this.#o;
    const now = this.#o.now ?? Date.now;
    const tenant = host.onBehalfOf.tenant;
    let existing = await store.get(host.runId);
    if (existing && existing.tenant !== tenant) throw new AgentmeshError(ErrorCodes.INTERNAL, `run ${host.runId} belongs to another tenant`);
    if (!existing) {
      if ('resumeFrom' in start) {
        const earlier = await store.get(start.resumeFrom);
        if (!earlier || earlier.tenant !== tenant) {
          throw new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, `Invalid parameters: no workflow run ${start.resumeFrom}`, { violations: [{ field: 'resumeFrom', description: 'is not a run of this tenant' }], expose: true });
        }
        if (earlier.status === 'completed') {
          throw new AgentmeshError(ErrorCodes.PROTOCOL_INVALID_PARAMS, `Invalid parameters: run ${start.resumeFrom} completed; there is nothing to resume`, { violations: [{ field: 'resumeFrom', description: 'is a completed run' }], expose: true });
        }
        await store.create({ id: host.runId, tenant, workflow: earlier.workflow, definition: earlier.definition, inputs: earlier.inputs, resumedFrom: earlier.id });
        await store.copySteps(earlier.id, host.runId);
      } else {
        await store.create({ id: host.runId, tenant, workflow: start.definition.name, definition: start.definition, inputs: start.inputs });
      }
      existing = (await store.get(host.runId))!;
    } else if (existing.status !== 'running' && existing.status !== 'input-required') {
      throw new AgentmeshError(ErrorCodes.INTERNAL, `run ${host.runId} already ended (${existing.status})`);
    }
    // The definition as recorded: a run started from a file keeps its steps even if the file changes.
    const definition = existing.definition as WorkflowDefinition;
    const records = await store.steps(host.runId);
    const resumed = records.size > 0;
    const started = now();
    const execution = new RunExecution(
      { store, caller: this.#o.caller, resolveTarget: this.#o.resolveTarget, logger, now, ...(this.#o.backoffScale !== undefined ? { backoffScale: this.#o.backoffScale } : {}), ...(this.#o.progressIntervalMs !== undefined ? { progressIntervalMs: this.#o.progressIntervalMs } : {}) },
      {
        ...host,
        runId: host.runId,
        onBehalfOf: host.onBehalfOf,
        traceparent: host.traceparent,
        signal: host.signal,
        emit: host.emit.bind(host),
        requestInput: host.requestInput.bind(host),
        paused: (waiting) => {
          host.paused?.(waiting);
          void store.setStatus(host.runId, waiting ? 'input-required' : 'running').catch((err) => logger.warn({ err, runId: host.runId }, 'run status not saved'));
        },
      },
      definition,
      records,
    );
    host.emit(
      { type: 'run.started', runId: host.runId, workflow: definition.name, steps: definition.steps.length, resumed },
      resumed ? `Resuming workflow ${definition.name} (${records.size} step records)` : `Running workflow ${definition.name}`,
    );
    try {
      const outputs = await execution.execute(existing.inputs);
      await store.setStatus(host.runId, 'completed', { outputs: outputs ?? null });
      host.emit({ type: 'run.completed', runId: host.runId, durationMs: now() - started }, `Workflow ${definition.name} completed`);
      return outputs;
    } catch (err) {
      if (host.signal.aborted) {
        await store.setStatus(host.runId, 'canceled', { error: 'canceled' }).catch(() => undefined);
        throw err;
      }
      const message = failureMessage(err);
      await store.setStatus(host.runId, 'failed', { error: message }).catch((e) => logger.warn({ err: e }, 'run status not saved'));
      host.emit({ type: 'run.failed', runId: host.runId, error: message, ...(err instanceof StepFailure ? { path: err.path } : {}) }, `Workflow ${definition.name} failed: ${message}`);
      if (!(err instanceof StepFailure) && !(err instanceof AgentmeshError)) logger.warn({ err, runId: host.runId }, 'workflow run failed unexpectedly');
      throw new AgentmeshError(ErrorCodes.INTERNAL, `Workflow ${definition.name} failed: ${message}`, { expose: true });
    }
  }
}
