import { Role, TaskState, type Message, type Part, type StreamResponse } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { uuidv7 } from '../storage/index.js';
import { Errors, invalidParams, errorMessage } from '../protocol/index.js';
import type { CallInfo } from './call-info.js';
import { toPart } from './to-part.js';
import { MESSAGE_REPLY, type ArtifactInput, type CallerIdentity, type HandedOff, type HandOffOptions, type LaunchWorkflowOptions, type MessageReply, type PartInput, type ProgressOptions, type ReplyContent, type ReplyOptions, type SkillContext, type UsageRecord, type WorkflowLaunched } from '../contracts/agent/index.js';
import { TRANSIENT_MESSAGE_METADATA } from './task-fold.js';
import type { TaskRun } from './task-run.js';
import { LAUNCH_MESSAGE_KEY, WORKFLOW_METADATA_KEY, type LaunchRecord, type WorkflowLauncher } from './workflow-hooks/index.js';

/** The largest payload a launch carries, as JSON (1 MiB): what an engine's webhook takes by default, and a task's event. */
const MAX_LAUNCH_PAYLOAD_BYTES = 1_048_576;

/** Everything a skill context is built from. */
export interface SkillContextDeps {
  run: TaskRun;
  agent: string;
  skill: string;
  message: Message;
  call: CallInfo;
  logger: Logger;
  now: () => number;
  /** The agent's active config when the task started (frozen). */
  config: Readonly<Record<string, unknown>>;
  /** The runtime's workflow hooks (`ctx.launchWorkflow`); none configured when absent. */
  workflows?: WorkflowLauncher | undefined;
}

/** Builds the context a handler receives; every call turns into a task event. */
export function createSkillContext(deps: SkillContextDeps): SkillContext {
  return new TaskSkillContext(deps);
}

/**
 * One per task. A context made of closures cost ~10% of the allocations of a
 * SendMessage, so the work lives on the prototype and each public method is a
 * function bound on first access: `ctx.artifact(…)` and a destructured
 * `({ artifact }) => artifact(…)` both work, and unused methods cost nothing.
 */
class TaskSkillContext implements SkillContext {
  readonly #deps: SkillContextDeps;
  readonly #run: TaskRun;
  #log: Logger | undefined;
  #text: string | undefined;
  /** Artifacts emitted without an id so far: the next one's id is derived from it (see #artifact). */
  #unnamedArtifacts = 0;
  #bound: {
    progress?: SkillContext['progress'];
    artifact?: SkillContext['artifact'];
    requestInput?: SkillContext['requestInput'];
    usage?: SkillContext['usage'];
    handOff?: SkillContext['handOff'];
    reply?: SkillContext['reply'];
    reject?: SkillContext['reject'];
    launchWorkflow?: SkillContext['launchWorkflow'];
  } = {};
  #handedOff: Promise<HandedOff> | undefined;

  constructor(deps: SkillContextDeps) {
    this.#deps = deps;
    this.#run = deps.run;
  }

  get taskId(): string {
    return this.#run.id;
  }

  get contextId(): string {
    return this.#run.task.contextId;
  }

  get skillId(): string {
    return this.#deps.skill;
  }

  get agent(): string {
    return this.#deps.agent;
  }

  get message(): Message {
    return this.#deps.message;
  }

  get text(): string {
    this.#text ??= this.#deps.message.parts
      .filter((p) => p.content?.$case === 'text')
      .map((p) => (p.content as { value: string }).value)
      .join('\n');
    return this.#text;
  }

  get tenant(): string {
    return this.#deps.call.tenant;
  }

  get caller(): CallerIdentity {
    return this.#deps.call.caller;
  }

  get traceparent(): string | undefined {
    return this.#deps.call.traceparent;
  }

  get config(): Readonly<Record<string, unknown>> {
    return this.#deps.config;
  }

  get signal(): AbortSignal {
    return this.#run.signal;
  }

  get detached(): boolean {
    return this.#run.letGo;
  }

  get progress(): SkillContext['progress'] {
    return (this.#bound.progress ??= this.#progress.bind(this));
  }

  get artifact(): SkillContext['artifact'] {
    return (this.#bound.artifact ??= this.#artifact.bind(this));
  }

  get requestInput(): SkillContext['requestInput'] {
    return (this.#bound.requestInput ??= this.#requestInput.bind(this));
  }

  get usage(): SkillContext['usage'] {
    return (this.#bound.usage ??= this.#usage.bind(this));
  }

  get handOff(): SkillContext['handOff'] {
    return (this.#bound.handOff ??= this.#handOff.bind(this));
  }

  get launchWorkflow(): SkillContext['launchWorkflow'] {
    return (this.#bound.launchWorkflow ??= this.#launchWorkflow.bind(this));
  }

  get reply(): SkillContext['reply'] {
    return (this.#bound.reply ??= this.#reply.bind(this));
  }

  get reject(): SkillContext['reject'] {
    return (this.#bound.reject ??= this.#reject.bind(this));
  }

  // A child logger per task costs microseconds on every request; made on first use.
  get log(): Logger {
    this.#log ??= this.#deps.logger.child({ taskId: this.#run.id, agent: this.#deps.agent, skill: this.#deps.skill });
    return this.#log;
  }

  #progress(progressText: string, data?: Record<string, unknown>, options?: ProgressOptions): void {
    // emit()'s promise already swallows a failed write for fire-and-forget callers.
    const event = this.#status(TaskState.TASK_STATE_WORKING, questionParts(progressText, data), options?.history === false ? { ...TRANSIENT_MESSAGE_METADATA } : undefined);
    // Task metadata rides on the status update (task-fold merges it into the task's metadata).
    if (options?.taskMetadata !== undefined && event.payload?.$case === 'statusUpdate') event.payload.value.metadata = { ...options.taskMetadata };
    void this.#run.emit(event);
  }

  #artifact(input: ArtifactInput): string {
    const run = this.#run;
    // Derived, not random: a re-run of the task (recovery of an idempotent skill) emits the
    // same ids in the same order, so its chunks replace the stopped run's instead of adding to them.
    const artifactId = input.artifactId ?? `${run.id}-artifact-${++this.#unnamedArtifacts}`;
    void run.emit({
      payload: {
        $case: 'artifactUpdate',
        value: {
          taskId: run.id,
          contextId: run.task.contextId,
          artifact: { artifactId, name: input.name ?? '', description: input.description ?? '', parts: input.parts.map(toPart), metadata: input.metadata, extensions: [] },
          append: input.append === true,
          lastChunk: input.lastChunk === true,
          metadata: undefined,
        },
      },
    });
    return artifactId;
  }

  async #requestInput(question: string, data?: Record<string, unknown>): Promise<Message> {
    const answer = this.#run.waitForInput();
    await this.#run.emit(this.#status(TaskState.TASK_STATE_INPUT_REQUIRED, questionParts(question, data)));
    return answer;
  }

  #handOff(options?: HandOffOptions): Promise<HandedOff> {
    // Twice is once: both calls resolve with the same marker.
    if (this.#handedOff === undefined) {
      const run = this.#run;
      if (options?.status !== undefined) this.#progress(options.status);
      const marker: HandedOff = Object.freeze({ handedOff: true as const, taskId: run.id, contextId: run.task.contextId });
      this.#handedOff = run.release().then(() => marker);
    }
    return this.#handedOff;
  }

  #launchWorkflow(hook: string, payload: unknown, options: LaunchWorkflowOptions = {}): Promise<WorkflowLaunched> {
    const run = this.#run;
    if (this.#handedOff !== undefined || run.closed) return Promise.reject(Errors.workflowLaunchTwice({ taskId: run.id }));
    let resolved;
    let data: unknown;
    try {
      resolved = noHooks(this.#deps.workflows).resolve(this.#deps.agent, hook);
      data = plainJson(payload);
    } catch (err) {
      return Promise.reject(err);
    }
    const awaitCallback = options.awaitCallback ?? resolved.callback;
    const marker: WorkflowLaunched = Object.freeze({ handedOff: true as const, taskId: run.id, contextId: run.task.contextId, hook: resolved.name });
    // Taken before anything is awaited: a second launch or hand-off meanwhile is refused, or joins this one.
    const launched: Promise<WorkflowLaunched> = (async () => {
      // The config first: the launch event's outbox row is written with the event, in the same transaction.
      await this.#deps.workflows!.register({ taskId: run.id, tenant: run.tenant }, resolved, awaitCallback);
      run.markPushConfigured();
      const record: LaunchRecord = { hook: resolved.name, engine: resolved.engine, phase: 'launching' };
      const event = this.#status(TaskState.TASK_STATE_WORKING, [toPart({ text: options.status ?? `Launching the ${resolved.name} workflow` }), toPart({ data })], {
        ...TRANSIENT_MESSAGE_METADATA,
        [LAUNCH_MESSAGE_KEY]: { hook: resolved.name },
      });
      if (event.payload?.$case === 'statusUpdate') event.payload.value.metadata = { [WORKFLOW_METADATA_KEY]: record };
      // The launch and the hand-off are one write: the engine is called exactly when the task is let go.
      void run.emit(event);
      await run.release();
      return marker;
    })();
    this.#handedOff = launched;
    return launched;
  }

  /** The message is built now; whether it answers the caller or becomes the task's result is the engine's (ADR 0034). */
  #reply(content: ReplyContent, options?: ReplyOptions): MessageReply {
    const parts = replyParts(content);
    if (parts.length === 0) throw Errors.skillReplyEmpty({ skill: this.#deps.skill });
    const message: Message = {
      messageId: uuidv7(),
      contextId: this.#run.task.contextId,
      taskId: '',
      role: Role.ROLE_AGENT,
      parts,
      metadata: options?.metadata === undefined ? undefined : { ...options.metadata },
      extensions: [],
      referenceTaskIds: [],
    };
    return Object.freeze({ [MESSAGE_REPLY]: true as const, message });
  }

  #reject(reason: string): never {
    throw Errors.skillRejected({ reason: typeof reason === 'string' && reason !== '' ? reason : 'The agent rejected the task' });
  }

  #usage(record: UsageRecord): void {
    // Recorded with the task's final status (task metadata 'agentmesh.usage'), not as an event of its own.
    this.#run.addUsage(record);
  }

  #status(state: TaskState, parts: Part[], metadata?: Record<string, unknown>): StreamResponse {
    const run = this.#run;
    return {
      payload: {
        $case: 'statusUpdate',
        value: {
          taskId: run.id,
          contextId: run.task.contextId,
          status: {
            state,
            message: { messageId: uuidv7(), contextId: run.task.contextId, taskId: run.id, role: Role.ROLE_AGENT, parts, metadata, extensions: [], referenceTaskIds: [] },
            timestamp: new Date(this.#deps.now()).toISOString(),
          },
          metadata: undefined,
        },
      },
    };
  }
}

/** The launcher, or one that knows no hook: `ctx.launchWorkflow` then says none is configured. */
function noHooks(workflows: WorkflowLauncher | undefined): WorkflowLauncher {
  return workflows ?? { resolve: (agent, hook) => { throw Errors.workflowHookUnknown({ hook: JSON.stringify(String(hook)), agent, known: 'none' }); }, register: () => Promise.resolve() };
}

/** The payload as plain JSON (what the engine will receive), bounded; a value JSON cannot carry is invalid. */
function plainJson(payload: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload ?? null);
  } catch (err) {
    throw invalidParams('payload', `must be JSON: ${errorMessage(err)}`);
  }
  if (json === undefined) throw invalidParams('payload', 'must be JSON');
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_LAUNCH_PAYLOAD_BYTES) throw Errors.workflowPayloadTooLarge({ bytes, maxBytes: MAX_LAUNCH_PAYLOAD_BYTES });
  return JSON.parse(json);
}

function replyParts(content: ReplyContent): Part[] {
  if (typeof content === 'string') return [toPart({ text: content })];
  if (isPartList(content)) return content.map((part) => toPart(part));
  return [toPart(content)];
}

/** Several parts rather than one (`Array.isArray` does not narrow a readonly array). */
function isPartList(content: Exclude<ReplyContent, string>): content is ReadonlyArray<PartInput | Part> {
  return Array.isArray(content);
}

function questionParts(question: string, data?: Record<string, unknown>): Part[] {
  return data === undefined ? [toPart({ text: question })] : [toPart({ text: question }), toPart({ data })];
}
