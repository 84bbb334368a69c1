import type { Message, Part } from '@a2a-js/sdk';
import type { Logger } from 'pino';
import type { MessageReply } from './message-reply.js';

/** A part as written in A2A v1 JSON: `{ text }`, `{ data }`, `{ url, mediaType }` or `{ raw }` (base64). */
export type PartInput = { text: string } | { data: unknown } | { url: string; mediaType?: string; filename?: string } | { raw: string; mediaType?: string; filename?: string };

/** An artifact (or a chunk of one) a skill emits. */
export interface ArtifactInput {
  /**
   * Stable id; chunks of one artifact share it. Default: a new id per call,
   * `<taskId>-artifact-<n>` for the n-th such call of the run, so a re-run
   * replaces what a stopped run emitted rather than adding to it.
   */
  artifactId?: string;
  name?: string;
  description?: string;
  parts: Array<PartInput | Part>;
  /** Append these parts to the artifact with the same id (streaming in chunks). */
  append?: boolean;
  /** This is the last chunk of the artifact. */
  lastChunk?: boolean;
  metadata?: Record<string, unknown>;
}

/** Who is calling, as the transport authenticated them. */
export interface CallerIdentity {
  authenticated: boolean;
  /** User or client id; '' when unauthenticated. For a delegated call, the top caller. */
  id: string;
  scopes: readonly string[];
  /**
   * Who acted for `id` before this call reached the agent (a token exchange,
   * RFC 8693): the OAuth client ids in the order they acted, the one that
   * called this agent last. Absent for a caller's own call.
   */
  actors?: readonly string[];
  /**
   * The gateway's assertion of this call: what this agent's own OAuth client
   * exchanges at the gateway's `/oauth/token` (RFC 8693, subject_token_type
   * `urn:ietf:params:oauth:token-type:jwt`) for a token that calls other
   * agents for the same caller (docs/security.md#delegation). Absent without
   * a gateway in front. A bearer credential: never log or store it.
   */
  subjectToken?: string;
}

/** Credits a skill consumed, recorded in task metadata under `agentmesh.usage`. */
export interface UsageRecord {
  credits: number;
  /** What was counted, e.g. `{ leads: 500 }`. */
  units?: Record<string, number>;
}

/** Options of {@link SkillContext.progress}. */
export interface ProgressOptions {
  /** Keep the status message in the task's history. Default true. */
  history?: boolean;
  /** Keys merged into the task's own metadata with this update (e.g. the router's `agentmesh.route.explain`). */
  taskMetadata?: Record<string, unknown>;
}

/** Options of {@link SkillContext.handOff}. */
export interface HandOffOptions {
  /** A progress message written with the hand-off (e.g. "Queued"): the status clients see meanwhile. */
  status?: string;
}

/** What {@link SkillContext.reply} takes: a text, one part, or parts (v1 JSON or SDK `Part`s). */
export type ReplyContent = string | PartInput | Part | ReadonlyArray<PartInput | Part>;

/** Options of {@link SkillContext.reply}. */
export interface ReplyOptions {
  /** The message's metadata (the runtime adds `agentmesh.usage` when the skill reported usage). */
  metadata?: Record<string, unknown>;
}

/** What {@link SkillContext.handOff} resolves with: return it from the handler. */
export interface HandedOff {
  readonly handedOff: true;
  readonly taskId: string;
  readonly contextId: string;
}

/** Options of {@link SkillContext.launchWorkflow}. */
export interface LaunchWorkflowOptions {
  /**
   * Keep the task WORKING until the engine calls back (the launch carries a
   * signed `callbackUrl`), and complete or fail it from the callback.
   * False: the task completes once the engine accepted the launch, with the
   * execution it started. Default: the hook's `callback` setting.
   */
  awaitCallback?: boolean;
  /** The status text while the launch is on its way. Default `Launching the <hook> workflow`. */
  status?: string;
}

/** What {@link SkillContext.launchWorkflow} resolves with: return it from the handler. */
export interface WorkflowLaunched extends HandedOff {
  /** The hook launched. */
  readonly hook: string;
}

/** What a skill handler can do while it runs. */
export interface SkillContext {
  readonly taskId: string;
  readonly contextId: string;
  readonly skillId: string;
  readonly agent: string;
  /** The message that started (or last resumed) the task. */
  readonly message: Message;
  /** The text parts of `message`, joined by newlines. */
  readonly text: string;
  readonly tenant: string;
  readonly caller: CallerIdentity;
  /** The W3C traceparent the request arrived with: pass it on when calling other agents. */
  readonly traceparent: string | undefined;
  /** Aborts when the task is canceled, times out or the process drains. */
  readonly signal: AbortSignal;
  /**
   * True when this process let the task go rather than ended it (it drains,
   * or could not write the task): an idempotent skill's task runs again on
   * another replica or at the next start. Check it when `signal` aborts:
   * then do not undo work (cancel children, refund) that the re-run will pick up.
   */
  readonly detached: boolean;
  /** A logger bound to this task and to the request that started it (reqId, traceId). */
  readonly log: Logger;
  /**
   * The agent's active config from the registry (seed 002), as it was when
   * the task started: frozen, `{}` when the agent has none or the runtime
   * has no registry.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Reports progress: a working status update carrying this text (and a data
   * part with `data`). With `{ history: false }` the message is streamed and
   * becomes the task's status but is not kept in its history: for frequent
   * updates (a long workflow's every step) whose history would only grow the task.
   */
  progress(text: string, data?: Record<string, unknown>, options?: ProgressOptions): void;
  /** Emits an artifact or a chunk of one; returns its artifactId. */
  artifact(artifact: ArtifactInput): string;
  /**
   * Moves the task to input-required with this question and resolves with the
   * user's next message on the task. Rejects with an AbortError if the task
   * is canceled meanwhile.
   */
  requestInput(question: string, data?: Record<string, unknown>): Promise<Message>;
  /** Adds to the credits this task consumed. */
  usage(record: UsageRecord): void;
  /**
   * Hands the task off for long-running work finished elsewhere: it stays
   * WORKING, with no owner replica (crash recovery leaves it alone), frees its
   * `maxConcurrentTasks` slot once the handler returns, and any process holding
   * the runtime's store finishes it by id through a TaskControl
   * (`runtime.tasks()` or `openTaskControl()`): progress, artifacts,
   * input-required, complete, fail, cancel. Resolves once the hand-off is
   * durable — enqueue the job for your worker only then — and the context
   * takes no more events. The handler's return value (return the marker) is
   * ignored afterwards, and the skill's timeout no longer applies.
   *
   * @example
   * handler: async (input, ctx) => {
   *   const handedOff = await ctx.handOff({ status: 'Queued' });
   *   await queue.add('render', { taskId: ctx.taskId, input });
   *   return handedOff;
   * }
   */
  handOff(options?: HandOffOptions): Promise<HandedOff>;
  /**
   * Launches a workflow of an automation engine (n8n, Make, Kestra) through
   * the runtime's hook of that name (`workflowHooks`) and hands the task off
   * to it: the launch is written with the hand-off, in one transaction, and
   * the runtime's outbox POSTs it to the engine's webhook, signed (Standard
   * Webhooks), through the SSRF guard, retried with backoff while the engine
   * refuses or is down, until the retry window ends (the task then fails).
   * The engine's execution id and status are recorded on the task (metadata
   * `agentmesh.workflow`). With a callback the task completes from the
   * engine's call; without, once the engine accepted the launch. One launch
   * per task; the context takes no more events afterwards. Rejects with
   * `AM_ERR_CONFIG_INVALID` when no such hook is configured for this agent.
   *
   * @example
   * handler: async (input, ctx) => ctx.launchWorkflow('followups', { campaign: input.campaign }, { awaitCallback: true }),
   */
  launchWorkflow(hook: string, payload: unknown, options?: LaunchWorkflowOptions): Promise<WorkflowLaunched>;
  /**
   * Answers with a Message (A2A §3.1.1): return what it gives from the
   * handler. In a skill with `messageReplies` whose handler has not started
   * its task yet (no progress, artifact, question or hand-off so far) and
   * whose caller waits for the answer, the caller gets this message and no
   * task is created or stored. Otherwise the task exists: the message's
   * parts become its `result` artifact and it completes. The message has
   * the role agent, a new messageId and the conversation's contextId.
   *
   * @example
   * handler: async (text: string, ctx) => ctx.reply(`Hello, ${text}`)
   */
  reply(content: ReplyContent, options?: ReplyOptions): MessageReply;
  /**
   * Ends the task REJECTED (A2A §4.1.3: the agent declines to do it, as
   * opposed to FAILED, a task it tried and could not do), with `reason` as
   * its status message. Throws to stop the handler: nothing after it runs.
   * A caller pays nothing for a rejected task (docs/credits.md).
   *
   * @example
   * if (!allowedRegions.includes(input.region)) ctx.reject(`We do not serve ${input.region}`);
   */
  reject(reason: string): never;
}
