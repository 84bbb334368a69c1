import { Role, TaskState, type Message, type Part, type StreamResponse } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import { uuidv7 } from '../storage/index.js';
import { Errors } from '../protocol/index.js';
import type { CallInfo } from './call-info.js';
import { toPart } from './to-part.js';
import { MESSAGE_REPLY, type ArtifactInput, type CallerIdentity, type HandedOff, type HandOffOptions, type MessageReply, type ProgressOptions, type ReplyContent, type ReplyOptions, type SkillContext, type UsageRecord } from '../contracts/agent/index.js';
import { TRANSIENT_MESSAGE_METADATA } from './task-fold.js';
import type { TaskRun } from './task-run.js';

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
    return this.#run.detached;
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

function replyParts(content: ReplyContent): Part[] {
  if (typeof content === 'string') return [toPart({ text: content })];
  if (Array.isArray(content)) return (content as ReadonlyArray<Parameters<typeof toPart>[0]>).map(toPart);
  return [toPart(content as Parameters<typeof toPart>[0])];
}

function questionParts(question: string, data?: Record<string, unknown>): Part[] {
  return data === undefined ? [toPart({ text: question })] : [toPart({ text: question }), toPart({ data })];
}
