import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { Errors, ErrorCodes, relayed } from '../../protocol/index.js';
import { deliberateFault, exponentialBackoff } from '../../storage/index.js';
import type { AgentCaller, ChildOutcome, OnBehalfOf } from '../calls/agent-caller.js';
import { approvalReason, awaitApprovalDecision, isParkedForApproval } from '../calls/approval-wait.js';
import type { RunEvent } from '../run-events.js';
import { compileExpression, compileTemplate } from '../workflow/index.js';
import type { CallStep, CallTarget, FallbackStep, Step, StepResult, TemplateScope, WorkflowDefinition } from '../workflow/workflow-definition.js';
import { runMap } from './map-step.js';
import { stepMessageId } from './message-ids.js';
import { runParallel } from './parallel-step.js';
import type { RunStore, StepRecord } from './run-store.js';
import { resultOf, SequenceView, StepOutputs, UnitOutputs } from './step-outputs.js';
import { StepWrites } from './step-writes.js';
import type { WorkflowMetrics } from './workflow-metrics.js';
import { failureCode, failureMessage, StepFailure } from './step-failure.js';
import type { StepOptions, StepRunner } from './step-runner.js';

/**
 * A build broken on purpose (tests only, docs/adr/0077-deliberate-faults.md): a call step's message is
 * recorded only with its result, under an id of the sending process's own, so a crash between the
 * agent's effect and the result sends the step again as a new message.
 */
const RESULT_AFTER_EFFECT = deliberateFault('result-after-effect');

/** Turns a call step's target (agent, or skill and tags) into the agent to call. */
export type ResolveTarget = (target: CallTarget, onBehalfOf: OnBehalfOf, signal: AbortSignal) => Promise<{ agent: string; skill?: string }>;

/** What the engine needs from the A2A task that runs the workflow. */
export interface RunHost {
  readonly runId: string;
  readonly onBehalfOf: OnBehalfOf;
  readonly traceparent: string | undefined;
  /** Aborts when the workflow's task is canceled (or the process drains). */
  readonly signal: AbortSignal;
  /** Reports progress on the workflow's task. */
  emit(event: RunEvent, text: string): void;
  /** Moves the workflow's task to input-required with this question; resolves with the user's answer. */
  requestInput(question: string, data?: Record<string, unknown>): Promise<Message>;
  /** Called when the run waits for the user, and when it works again. */
  paused?(waiting: boolean): void;
  /**
   * True when the process let the run go (draining) rather than the run being
   * canceled: the run resumes elsewhere, so its children keep running and its
   * records stay as they are.
   */
  detached?(): boolean;
}

export interface ExecutionDeps {
  store: RunStore;
  caller: AgentCaller;
  resolveTarget: ResolveTarget;
  logger: Logger;
  now: () => number;
  /** Multiplies retry backoffs (tests shorten them). Default 1. */
  backoffScale?: number;
  /** Shortest interval between two `map.progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** Records step attempts and map items. */
  metrics?: WorkflowMetrics;
}

/**
 * One run of a workflow: walks the definition, skipping what the run's step
 * records say is done, and records every step it starts and ends. Paths name
 * steps across restarts (`score/3` is the map `score`'s fourth batch), so a
 * re-run after a crash meets its own records.
 *
 * Memory stays flat along the run (docs/adr/0070): a step's record lives in
 * the frame running it and in the store; results are read back from the
 * store when a template names them, the latest few kept at hand
 * ({@link StepOutputs}); scopes know which steps they see by position in the
 * definition ({@link SequenceView}), not by holding their results.
 */
export class RunExecution implements StepRunner {
  readonly deps: ExecutionDeps;
  readonly host: RunHost;
  readonly definition: WorkflowDefinition;
  readonly #outputs: StepOutputs;
  /** Step-record writes, gathered into one statement while one is on its way. */
  readonly #writes: StepWrites;
  /** Whether the store held step records when the run began (a resume): then every step looks for its own. */
  readonly #resumed: boolean;
  /** Composite steps being retried (`path/`): the steps inside them look for their records, this run wrote some. */
  readonly #reopened = new Set<string>();
  /** One question to the user at a time, however many branches ask. */
  #asking: Promise<unknown> = Promise.resolve();

  constructor(deps: ExecutionDeps, host: RunHost, definition: WorkflowDefinition, resumed: boolean) {
    this.deps = deps;
    this.host = host;
    this.definition = definition;
    this.#resumed = resumed;
    this.#outputs = new StepOutputs(
      (path) => deps.store.step(host.runId, path),
      (paths) => deps.store.stepsAt(host.runId, paths),
    );
    this.#writes = new StepWrites(deps.store, host.runId);
  }

  /** Runs the top-level steps in order; returns the workflow's outputs. */
  async execute(inputs: Record<string, unknown>): Promise<unknown> {
    const scope: TemplateScope = { inputs, steps: {}, run: { id: this.host.runId, tenant: this.host.onBehalfOf.tenant, workflow: this.definition.name } };
    const last = await this.sequence(this.definition.steps, scope, '', this.host.signal);
    if (!this.definition.outputs) return this.#outputs.settle(last);
    const outputs: Record<string, unknown> = {};
    for (const [name, template] of Object.entries(this.definition.outputs)) outputs[name] = (await this.#render(template, scope)) ?? null;
    return outputs;
  }

  /**
   * Runs steps one after another, each seeing those before it: `scope`'s
   * view grows by one step as each ends (callers pass a copy when the steps
   * must stay inside). Returns the last one's output.
   */
  async sequence(steps: Step[], scope: TemplateScope, prefix: string, signal: AbortSignal, options: StepOptions = {}): Promise<unknown> {
    const view = new SequenceView(steps, prefix, scope.inView);
    scope.inView = view;
    let last: unknown = null;
    for (const step of steps) {
      const result = await this.step(step, scope, prefix + step.id, signal, options);
      view.done++;
      last = result.output;
    }
    return last;
  }

  /** Renders a template with the step results it names read first. */
  async #render(template: unknown, scope: TemplateScope): Promise<unknown> {
    const compiled = compileTemplate(template);
    return compiled.render(await this.#outputs.scopeFor(scope, compiled.stepsRead));
  }

  /** A step's `when`, with the step results it names read first. */
  async #holds(when: string, scope: TemplateScope): Promise<boolean> {
    const compiled = compileExpression(when);
    return Boolean(compiled.evaluate(await this.#outputs.scopeFor(scope, compiled.stepsRead)));
  }

  /** The record a step left in the store, if it may have one: the run resumed, or the step is inside one being retried. */
  async #stored(path: string): Promise<StepRecord | undefined> {
    if (!this.#mayHaveRecord(path)) return undefined;
    return this.deps.store.step(this.host.runId, path);
  }

  #mayHaveRecord(path: string): boolean {
    return this.#resumed || [...this.#reopened].some((prefix) => path.startsWith(prefix));
  }

  settle(value: unknown): Promise<unknown> {
    return this.#outputs.settle(value);
  }

  async finished(paths: readonly string[]): Promise<Map<string, StepResult>> {
    const results = new Map<string, StepResult>();
    const read = paths.filter((path) => this.#mayHaveRecord(path));
    if (read.length === 0) return results;
    for (const [path, record] of await this.deps.store.stepsAt(this.host.runId, read)) {
      const result = resultOf(record);
      if (result !== undefined) results.set(path, result);
    }
    return results;
  }

  /**
   * Runs one step with its `when`, `retry` and `timeout`. Resolves with its
   * result, or throws a {@link StepFailure} (or the abort of `signal`).
   */
  async step(step: Step, scope: TemplateScope, path: string, signal: AbortSignal, options: StepOptions = {}): Promise<StepResult> {
    try {
      const result = await this.#step(step, scope, path, signal, options);
      this.#outputs.remember(path, result);
      return result;
    } finally {
      this.#reopened.delete(`${path}/`);
    }
  }

  async #step(step: Step, scope: TemplateScope, path: string, signal: AbortSignal, options: StepOptions): Promise<StepResult> {
    signal.throwIfAborted();
    this.#outputs.forget(path);
    const known = await this.#stored(path);
    const done = resultOf(known);
    if (done !== undefined) {
      if (!options.quiet) this.#emit({ type: 'step.completed', runId: this.host.runId, path, kind: step.kind, durationMs: 0, cached: true }, `${path}: done earlier`);
      return done;
    }
    // A failure recorded before a crash stands: its parent decides again, without calling anyone.
    if (known?.status === 'failed') throw new StepFailure(path, known.error ? relayed(ErrorCodes.WORKFLOW_STEP_FAILED, known.error) : Errors.workflowStepFailed({ path }));
    // A step canceled by a join or a fail-fast map (or by its parent's retry) starts over with a new message.
    if (known?.status === 'canceled') Object.assign(known, { status: 'running', messageId: null, taskId: null, attempt: 1 });
    const record: StepRecord = known ?? { path, status: 'running', attempt: 1, sends: 0, agent: null, messageId: null, taskId: null, contextId: null, output: undefined, error: null, startedAt: this.deps.now(), finishedAt: null };

    if (step.when !== undefined && !(await this.#holds(step.when, scope))) {
      await this.#save({ ...record, status: 'skipped', output: null, finishedAt: this.deps.now() });
      if (!options.quiet) this.#emit({ type: 'step.skipped', runId: this.host.runId, path }, `${path}: skipped (when is false)`);
      return { status: 'skipped', output: null };
    }

    const attempts = step.retry?.attempts ?? 1;
    for (;;) {
      const started = this.deps.now();
      if (!options.quiet) {
        const agent = step.kind === 'call' ? (record.agent ?? step.call.agent) : undefined;
        this.#emit(
          { type: 'step.started', runId: this.host.runId, path, kind: step.kind, attempt: record.attempt, ...(agent ? { agent } : {}) },
          `${path}: started${agent ? ` (${agent})` : ''}${record.attempt > 1 ? ` (attempt ${record.attempt} of ${attempts})` : ''}`,
        );
      }
      // A timer cleared when the step ends (AbortSignal.timeout would hold memory until it fires: 10,000 map units with a long timeout add up).
      const timeout = step.timeoutMs !== undefined ? new AbortController() : undefined;
      const timer = timeout ? setTimeout(() => timeout.abort(new DOMException(`timed out after ${step.timeoutMs} ms`, 'TimeoutError')), step.timeoutMs) : undefined;
      const stepSignal = timeout ? AbortSignal.any([signal, timeout.signal]) : signal;
      try {
        const { recordWritten, ...inner } = options;
        const output = await this.#run(step, scope, path, stepSignal, record, inner);
        // A map's record says where its units' outputs are; a step passing a map's output on (a sequence ending in one) says which map's.
        const stored =
          output instanceof UnitOutputs
            ? { output: undefined, outputUnits: output.count, outputUnitsAt: output.path !== path ? output.path : undefined }
            : { output: output ?? null, outputUnits: undefined, outputUnitsAt: undefined };
        const saved = this.#save({ ...record, status: 'completed', ...stored, error: null, finishedAt: this.deps.now() }, { gather: recordWritten !== undefined });
        if (recordWritten !== undefined) recordWritten(saved);
        else await saved;
        this.deps.metrics?.stepEnded(this.host.runId, step.kind, 'completed', (this.deps.now() - started) / 1000);
        if (!options.quiet) this.#emit({ type: 'step.completed', runId: this.host.runId, path, kind: step.kind, durationMs: this.deps.now() - started, cached: false }, `${path}: completed`);
        return { status: 'completed', output: output ?? null, ...(record.taskId ? { taskId: record.taskId } : {}), ...(record.agent ? { agent: record.agent } : {}) };
      } catch (err) {
        if (signal.aborted) {
          // Let go by a draining process, the record stays as it is for the run that resumes it.
          if (!this.letGo()) await this.#save({ ...record, status: 'canceled', error: 'canceled', finishedAt: this.deps.now() }).catch(() => undefined);
          throw signal.reason instanceof Error ? signal.reason : err;
        }
        const timedOut = timeout?.signal.aborted === true;
        const message = timedOut ? Errors.workflowStepTimedOut.format({ timeoutMs: step.timeoutMs! }) : failureMessage(err);
        const code = timedOut ? ErrorCodes.WORKFLOW_STEP_TIMEOUT : failureCode(err);
        this.deps.metrics?.stepEnded(this.host.runId, step.kind, 'failed', (this.deps.now() - started) / 1000);
        // A permanent failure (the input refused, the task rejected) fails the step at once with its reason.
        const willRetry = record.attempt < attempts && !(err instanceof StepFailure && err.permanent);
        this.#emit({ type: 'step.failed', runId: this.host.runId, path, kind: step.kind, error: message, code, willRetry }, `${path}: failed: ${message}${willRetry ? ' (will retry)' : ''}`);
        if (!willRetry) {
          await this.#save({ ...record, status: 'failed', error: message, finishedAt: this.deps.now() });
          throw err instanceof StepFailure && !timedOut ? err : new StepFailure(path, Errors.workflowStepThrew({ path, reason: message }), { code });
        }
        const backoff = exponentialBackoff({ attempt: record.attempt - 1, baseMs: step.retry!.backoffMs, maxMs: step.retry!.maxBackoffMs }) * (this.deps.backoffScale ?? 1);
        record.attempt++;
        // A retry is a new message: the failed task is not asked again.
        record.messageId = null;
        record.taskId = null;
        await this.#save({ ...record, status: 'running', error: message });
        await this.#reopenInside(path);
        await sleep(backoff, undefined, { signal });
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Whether a restart without this call's record would send it again under
   * the same message id to the same agent: its first send to an agent named
   * in the step (ids derive from run, path and send; routing by skill may
   * pick another agent next time). Then a map unit need not record that it
   * was sent, only that it ended: a third of the writes per unit.
   */
  #idRecurs(step: CallStep, record: StepRecord): boolean {
    return record.sends === 1 && step.call.agent !== undefined && step.call.agent === record.agent;
  }

  /** Whether the run's process let it go (draining) rather than the run being canceled. */
  letGo(): boolean {
    return this.host.detached?.() === true;
  }

  /** Runs a step's kind; steps inside a quiet one (a map unit) are quiet too. */
  async #run(step: Step, scope: TemplateScope, path: string, signal: AbortSignal, record: StepRecord, options: StepOptions): Promise<unknown> {
    switch (step.kind) {
      case 'call':
        return this.#call(step, scope, path, signal, record, options.quiet === true);
      case 'sequence':
        return this.sequence(step.steps, { ...scope }, `${path}/`, signal, options);
      case 'parallel':
        return runParallel(this, step, scope, path, signal, options);
      case 'map':
        // An earlier map's output comes a page at a time as the map takes its items.
        return runMap(this, step, await this.#outputs.mapItems(compileTemplate(step.over), scope), scope, path, signal);
      case 'fallback':
        return this.#fallback(step, scope, path, signal, options);
    }
  }

  /** Tries each alternative in order; the first that completes gives the output (one whose `when` is false is passed over). */
  async #fallback(step: FallbackStep, scope: TemplateScope, path: string, signal: AbortSignal, options: StepOptions): Promise<unknown> {
    const errors: string[] = [];
    for (const alternative of step.steps) {
      try {
        const result = await this.step(alternative, scope, `${path}/${alternative.id}`, signal, options);
        if (result.status === 'skipped') continue;
        return result.output;
      } catch (err) {
        if (signal.aborted || !(err instanceof StepFailure)) throw err;
        errors.push(err.message);
      }
    }
    throw new StepFailure(path, errors.length > 0 ? Errors.workflowFallbackFailed({ errors: errors.join('; ') }) : Errors.workflowFallbackNoneApplied({}));
  }

  async #call(step: CallStep, scope: TemplateScope, path: string, signal: AbortSignal, record: StepRecord, quiet: boolean): Promise<unknown> {
    const input = await this.#render(step.input, scope);
    const onBehalfOf = this.host.onBehalfOf;
    // A record with a message id and no outcome is a call the last process made: send the same id again.
    const replay = record.messageId !== null && record.agent !== null;
    const target = replay ? { agent: record.agent!, ...(step.call.skill ? { skill: step.call.skill } : {}) } : await this.deps.resolveTarget(step.call, onBehalfOf, signal);
    if (!replay) {
      record.sends++;
      // The broken build (tests only): an id of this process's own, not written before the send.
      record.messageId = RESULT_AFTER_EFFECT ? randomUUID() : stepMessageId(this.host.runId, path, record.sends);
      record.agent = target.agent;
      record.taskId = null;
      // The message is recorded before it leaves: a process that dies before the answer leaves its id for the next to send again
      // (a map unit's id is derived again from its path, so it needs no write of its own).
      if (!RESULT_AFTER_EFFECT && (!quiet || !this.#idRecurs(step, record))) await this.#save({ ...record, status: 'running' });
    }
    const common = { agent: target.agent, onBehalfOf, signal, ...(this.host.traceparent ? { traceparent: this.host.traceparent } : {}) };
    let childEnded = false;
    try {
      // A child known by its task is followed as it is now (past questions answered before the crash); one only sent is sent again.
      let outcome: ChildOutcome =
        replay && record.taskId
          ? await this.deps.caller.attach({ ...common, taskId: record.taskId })
          : await this.deps.caller.send({
              ...common,
              ...(target.skill ? { skill: target.skill } : {}),
              input,
              messageId: record.messageId!,
              onTask: (taskId, contextId) => {
                if (record.taskId === taskId) return;
                record.taskId = taskId;
                record.contextId = contextId;
                // A map unit is found again by its message id (the runtime answers a repeated id with its task): one write fewer per unit.
                if (RESULT_AFTER_EFFECT || (quiet && this.#idRecurs(step, record))) return;
                void this.#save({ ...record, status: 'running' }).catch((err) => this.deps.logger.warn({ err, path }, 'step record not saved'));
              },
            });
      for (;;) {
        // The task the call stands at now (an approved call's is the agent's task, not the gated one): the one to cancel.
        if (outcome.taskId !== undefined && outcome.taskId !== '') record.taskId = outcome.taskId;
        if (outcome.state === 'completed') return outcome.output;
        if (isParkedForApproval(outcome)) {
          // Parked at the gateway for a person's approval: nothing the user could answer moves it (ADR 0037).
          outcome = await this.#awaitApproval(path, target.agent, approvalReason(outcome), record, outcome.taskId, outcome.contextId, common);
          continue;
        }
        if (outcome.state === 'input-required' || outcome.state === 'auth-required') {
          const answer = await this.#ask(path, target.agent, outcome.question, outcome.data, record, outcome.taskId, outcome.contextId);
          outcome = await this.deps.caller.reply({ ...common, taskId: outcome.taskId, contextId: outcome.contextId, parts: answer.parts, messageId: answer.messageId, ...(outcome.questionId !== undefined && { questionId: outcome.questionId }) });
          continue;
        }
        // Neither completed nor waiting: it ended (TypeScript loses the narrowing across the loop's reassignment).
        const ended = outcome;
        if (!('error' in ended)) throw new TypeError(`${path}: a child outcome in state ${ended.state} was left unhandled`);
        // The child's own end; otherwise the calls gave up on it (transient) or it refused them, and it may live on.
        childEnded = !ended.transient && ended.refused !== true;
        const verb = ended.state === 'failed' ? 'failed' : ended.state === 'rejected' ? 'rejected the task' : 'canceled the task';
        throw new StepFailure(path, Errors.workflowCallEnded({ path, agent: target.agent, verb, error: ended.error }), { permanent: ended.refused === true || ended.state === 'rejected' });
      }
    } catch (err) {
      // The step ends without its child's end: canceled, timed out, lost a race, its calls gave up on the child (still asking,
      // still working), or the run's own store failed. The step fails or is sent again as a new message, and this child must
      // not run on alone (nor keep its credits). Best effort: what cut the calls may cut this too. A process letting its
      // runs go leaves their children to the process that takes the runs over.
      if (!childEnded && record.taskId && !this.letGo()) {
        await this.deps.caller.cancel(target.agent, record.taskId, onBehalfOf).catch((e) => this.deps.logger.warn({ err: e, path, taskId: record.taskId }, 'child task could not be canceled'));
      }
      throw err;
    }
  }

  /**
   * A child call parked for approval at the gateway: the step shows as
   * `awaiting-approval` (an event on the workflow's task says why), and the
   * gated task is read again, less and less often, until it is decided:
   * approved, it is the agent's task, followed as any child's; denied or
   * expired, it ended REJECTED. The run is waiting, not stuck (metrics).
   */
  async #awaitApproval(path: string, agent: string, reason: string, record: StepRecord, taskId: string, contextId: string, common: { agent: string; onBehalfOf: OnBehalfOf; signal: AbortSignal; traceparent?: string }): Promise<ChildOutcome> {
    await this.#save({ ...record, status: 'awaiting-approval', taskId, contextId });
    this.deps.metrics?.runPaused(this.host.runId, true);
    this.#emit({ type: 'step.awaiting-approval', runId: this.host.runId, path, agent, reason, approval: taskId }, `${path}: ${agent} waits for approval: ${reason}`);
    try {
      return await awaitApprovalDecision(this.deps.caller, { ...common, taskId }, this.deps.backoffScale ?? 1);
    } finally {
      this.deps.metrics?.runPaused(this.host.runId, false);
      await this.#save({ ...record, status: 'running', taskId, contextId });
    }
  }

  /** Puts a child's question to the user through the workflow's task; one question at a time. */
  async #ask(path: string, agent: string, question: string, data: unknown, record: StepRecord, taskId: string, contextId: string): Promise<Message> {
    const turn = this.#asking.then(async () => {
      await this.#save({ ...record, status: 'input-required', taskId, contextId });
      this.host.paused?.(true);
      this.#emit({ type: 'step.input-required', runId: this.host.runId, path, agent, question }, `${path}: ${agent} asks: ${question}`);
      try {
        return await this.host.requestInput(`${agent} asks (step ${path}): ${question}`, data !== undefined ? { step: path, agent, data } : { step: path, agent });
      } finally {
        this.host.paused?.(false);
        await this.#save({ ...record, status: 'running', taskId, contextId });
      }
    });
    this.#asking = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Before a composite step is retried: the steps inside it that failed or
   * were canceled run again (completed ones keep their outputs), each with a
   * new message — their send counters go on, so no message id repeats.
   */
  async #reopenInside(path: string): Promise<void> {
    const prefix = `${path}/`;
    this.#reopened.add(prefix);
    for (const record of await this.deps.store.stepsUnder(this.host.runId, prefix, ['failed', 'canceled'])) {
      await this.#save({ ...record, status: 'canceled', messageId: null, taskId: null });
    }
  }

  #emit(event: RunEvent, text: string): void {
    this.host.emit(event, text);
  }

  /** Emits a map's progress (maps own their throttling). */
  emit(event: RunEvent, text: string): void {
    this.#emit(event, text);
  }

  async #save(record: StepRecord, options: { gather?: boolean } = {}): Promise<void> {
    await this.#writes.put(record, options);
  }
}
