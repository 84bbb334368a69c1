import type {
  AgentCard,
  ListTasksResponse} from '@a2a-js/sdk';
import {
  Message,
  StreamResponse,
  Task,
  type CancelTaskRequest,
  type DeleteTaskPushNotificationConfigRequest,
  type GetExtendedAgentCardRequest,
  type GetTaskPushNotificationConfigRequest,
  type GetTaskRequest,
  type ListTaskPushNotificationConfigsRequest,
  type ListTaskPushNotificationConfigsResponse,
  type ListTasksRequest,
  type SendMessageRequest,
  type SubscribeToTaskRequest,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { uuidv7 } from '../storage/index.js';
import { LegacyA2AError } from '@a2a-js/sdk/compat/v0_3/server';
import { A2AError, fromJsonRpcErrorResponse } from '@a2a-js/sdk/errors';
import { invalidParams, requireMessage, stateName, normalizeError, toJsonRpcErrorObject, toSdkError, logAnsweredError, markLogged, Errors, ErrorCodes, WIRE, errorMessage, isAgentmeshError, isRecord, canonicalJson } from '../protocol/index.js';
import type { PushStore, TaskStore, Bus } from '../storage/index.js';
import type { AgentDefinition } from '../contracts/agent/index.js';
import type { CallInfo } from './call-info.js';
import type { SendOptions, TaskEngine } from './task-engine.js';
import { withHistoryLength } from './task-fold.js';
import { subscribeTaskEvents } from './task-subscription.js';
import { streamTaskId, type CommittedEvent } from './task-events.js';
import { RESERVED_CONFIG_ID_PREFIX, WORKFLOW_HOOK_PROTOCOL } from './workflow-hooks/index.js';

/** Checks an outbound URL (SSRF guard); throws AM_ERR_SSRF_BLOCKED. */
export interface UrlGuard {
  check(url: string | URL): Promise<unknown>;
}

/** State keys this runtime keeps on the SDK's ServerCallContext. */
export const CTX = {
  /** CallInfo of the request. */
  call: 'agentmesh.call',
  /** Last-Event-ID the client resumes from. */
  lastEventId: 'agentmesh.lastEventId',
  /** Sequence number of the event a stream yielded last (SSE `id:`). */
  seq: 'agentmesh.seq',
  /** Returns the AbortSignal of the HTTP request (client went away); made on first call. */
  signal: 'agentmesh.signal',
  /** The request's id: what a generic internal error names, for the log to find its cause. */
  requestId: 'agentmesh.requestId',
} as const;

/** Options of {@link AgentRequestHandler}. */
export interface AgentRequestHandlerOptions {
  agent: AgentDefinition;
  engine: TaskEngine;
  store: TaskStore;
  push: PushStore;
  bus: Bus;
  card: () => AgentCard;
  extendedCard: () => AgentCard | undefined;
  urlGuard: UrlGuard;
}

const DEFAULT_PAGE_SIZE = 50;

/** A send whose caller waits for the answer: a skill with `messageReplies` may answer it with a message (ADR 0034). */
const REPLY_ALLOWED: SendOptions = Object.freeze({ messageReply: true });
/** A send answered with a task whatever the skill (returnImmediately, ACP runs). */
const TASK_ONLY: SendOptions = Object.freeze({});

/**
 * What a push config asks, as text to compare: its webhook, token and
 * authentication, and its id when the client chose one (`withoutId`: the
 * stored copy of a config sent without one, whose id the runtime made).
 */
function pushConfigKey(config: TaskPushNotificationConfig, withoutId = false): string {
  return canonicalJson(TaskPushNotificationConfig.toJSON({ ...config, id: withoutId ? '' : config.id, taskId: '', tenant: '' }));
}

/**
 * What SendMessage answers (A2A §3.1.1): the task — with its snapshot JSON
 * when that is exactly what the client asked for (the v1 transports' fast
 * path) — or the message a skill answered with, no task created.
 */
export type SendAnswer = { task: Task; json: string | undefined; message?: undefined } | { message: Message; task?: undefined; json?: undefined };

/** Options of {@link AgentRequestHandler.send} and {@link AgentRequestHandler.stream}. */
export interface SendCallOptions {
  /** Learns the task's id as soon as the message is accepted, before a blocking send waits. */
  onStarted?: (taskId: string) => void;
  /** Always answer with a task, even from a skill that may reply with a message (ACP runs are tasks). */
  taskOnly?: boolean;
}

/**
 * The eleven A2A operations of one agent, over the durable engine. It
 * implements the SDK's `A2ARequestHandler` interface, so the SDK's own v0.3
 * transport handlers (and their translation) drive it unchanged; the v1
 * transports call it too, except for streams, which they read as committed
 * log entries to frame them without re-serializing.
 * See docs/adr/0001-runtime-core.md.
 */
export class AgentRequestHandler implements A2ARequestHandler {
  #o: AgentRequestHandlerOptions;
  readonly name: string;

  constructor(options: AgentRequestHandlerOptions) {
    this.#o = options;
    this.name = options.agent.name;
  }

  async getAgentCard(): Promise<AgentCard> {
    return this.#o.card();
  }

  async getAuthenticatedExtendedAgentCard(_params: GetExtendedAgentCardRequest, context: ServerCallContext): Promise<AgentCard> {
    return sdkErrors(context, async () => {
      const card = this.#o.extendedCard();
      if (!card) throw Errors.noExtendedCard({ agent: this.name });
      if (!context.user?.isAuthenticated) throw Errors.extendedCardNeedsAuth({});
      return card;
    });
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Task | Message> {
    return sdkErrors(context, async () => {
      const answer = await this.send(params, context);
      return answer.task ?? answer.message;
    });
  }

  /**
   * SendMessage returning also the snapshot JSON when it is exactly what the
   * client asked for (fast path of the v1 transports). `onStarted` learns the
   * task's id as soon as the message is accepted, before a blocking send waits
   * (ACP's `sync` mode cancels the run of a client that went away).
   */
  async send(params: SendMessageRequest, context: ServerCallContext, options?: SendCallOptions): Promise<SendAnswer> {
    const message = requireMessage(params);
    checkHistoryLength(params.configuration?.historyLength, 'configuration.historyLength');
    const call = callOf(context);
    const replyAllowed = params.configuration?.returnImmediately !== true && options?.taskOnly !== true;
    const outcome = await this.#o.engine.send(this.name, message, call, this.#sendOptions(params, context, replyAllowed));
    if ('reply' in outcome) return { message: outcome.reply };
    const started = outcome;
    options?.onStarted?.(started.taskId);
    const historyLength = params.configuration?.historyLength;
    if (!params.configuration?.returnImmediately) {
      if (started.run && !started.duplicate) {
        await started.run.whenSettled(started.startSeq);
        // Handed off: the task goes on without the run; its end comes through the log (A2A §3.2.2: blocking waits for it).
        if (started.run.handedOff) await this.#waitForSettle(started.taskId, started.run.lastSeq, false, context);
        else if (historyLength === undefined && started.run.lastSnapshotJson && !started.run.detached) {
          return { task: started.run.task, json: started.run.lastSnapshotJson };
        }
      } else {
        await this.#waitForSettle(started.taskId, started.startSeq, started.forwarded === true, context);
      }
    }
    const row = await this.#o.engine.getVisible(this.name, started.taskId, call);
    const task = withHistoryLength(Task.fromJSON(JSON.parse(row.snapshot)), historyLength);
    return { task, json: historyLength === undefined ? row.snapshot : undefined };
  }

  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    yield* toStreamResponses(this.stream(params, context), context);
  }

  /**
   * SendStreamingMessage as committed log entries (v1 transports frame them
   * directly). A skill's message answer is the stream's one event (A2A
   * §3.1.2), with sequence number 0: no task log backs it, so it has no
   * event id to resume from.
   */
  async *stream(params: SendMessageRequest, context: ServerCallContext, options?: SendCallOptions): AsyncGenerator<CommittedEvent, void, undefined> {
    let outcome;
    try {
      this.#requireStreaming();
      const message = requireMessage(params);
      outcome = await this.#o.engine.send(this.name, message, callOf(context), this.#sendOptions(params, context, options?.taskOnly !== true));
    } catch (err) {
      throw forTransport(err, context);
    }
    if ('reply' in outcome) {
      yield { seq: 0, kind: 'reply', payload: `{"message":${JSON.stringify(Message.toJSON(outcome.reply))}}`, state: undefined };
      return;
    }
    const started = outcome;
    const lastEventId = context.state.get(CTX.lastEventId) as number | undefined;
    if (started.snapshotJson !== undefined && lastEventId === undefined) {
      // A continued task: the stream still begins with the Task as the message found it (A2A §3.1.2), then every update after it.
      yield { seq: started.startSeq, kind: 'task', payload: `{"task":${started.snapshotJson}}`, state: undefined };
    }
    const afterSeq = lastEventId ?? started.startSeq;
    yield* subscribeTaskEvents({
      store: this.#o.store,
      bus: this.#o.bus,
      taskId: started.taskId,
      afterSeq,
      endOnInterrupted: true,
      // Handed to another replica: the task looks interrupted until its owner records the answer.
      waitForNew: started.forwarded === true,
      ...(started.run ? { committed: started.run.committed } : {}),
      ...signalOf(context),
    });
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return sdkErrors(context, async () => {
      checkHistoryLength(params.historyLength, 'historyLength');
      const row = await this.#o.engine.getVisible(this.name, params.id, callOf(context));
      return withHistoryLength(Task.fromJSON(JSON.parse(row.snapshot)), params.historyLength);
    });
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return sdkErrors(context, async () => {
      const call = callOf(context);
      checkHistoryLength(params.historyLength, 'historyLength');
      const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
        throw invalidParams('pageSize', 'must be an integer from 1 to 100');
      }
      let updatedAfter: number | undefined;
      if (params.statusTimestampAfter) {
        updatedAfter = Date.parse(params.statusTimestampAfter);
        if (Number.isNaN(updatedAfter)) {
          throw invalidParams('statusTimestampAfter', 'must be an RFC 3339 timestamp');
        }
      }
      const page = await this.#o.store.list({
        agent: this.name,
        tenant: call.tenant,
        pageSize,
        ...(params.contextId ? { contextId: params.contextId } : {}),
        ...(params.status ? { state: stateName(params.status) } : {}),
        ...(updatedAfter !== undefined ? { updatedAfter } : {}),
        ...(params.pageToken ? { cursor: params.pageToken } : {}),
      });
      const tasks = page.tasks.map((row) => {
        const task = withHistoryLength(Task.fromJSON(JSON.parse(row.snapshot)), params.historyLength);
        return params.includeArtifacts ? task : { ...task, artifacts: [] };
      });
      return { tasks, nextPageToken: page.nextCursor, pageSize, totalSize: page.totalSize };
    });
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return sdkErrors(context, async () => {
      const row = await this.#o.engine.cancel(this.name, params.id, callOf(context));
      return Task.fromJSON(JSON.parse(row.snapshot));
    });
  }

  async *resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    yield* toStreamResponses(this.subscribe(params, context), context);
  }

  /** SubscribeToTask as committed log entries. */
  async *subscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<CommittedEvent, void, undefined> {
    const lastEventId = context.state.get(CTX.lastEventId) as number | undefined;
    let row;
    try {
      this.#requireStreaming();
      row = await this.#o.engine.getVisible(this.name, params.id, callOf(context));
      if (row.terminal && lastEventId === undefined) {
        throw Errors.taskNothingToSubscribe({ taskId: row.id, state: row.state });
      }
    } catch (err) {
      throw forTransport(err, context);
    }
    if (lastEventId === undefined) {
      // The current Task first (A2A §3.1.6), with the id of the last event it includes.
      yield { seq: row.lastSeq, kind: 'task', payload: JSON.stringify({ task: JSON.parse(row.snapshot) }), state: undefined };
    }
    yield* subscribeTaskEvents({ store: this.#o.store, bus: this.#o.bus, taskId: row.id, afterSeq: lastEventId ?? row.lastSeq, endOnInterrupted: false, ...signalOf(context) });
  }

  async createTaskPushNotificationConfig(params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.#onPushConfigs(params.taskId, context, () => this.#putPushConfig(params, context));
  }

  async getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.#onPushConfigs(params.taskId, context, async () => {
      const record = await this.#o.push.getConfig(params.taskId, params.id);
      // A workflow launch is the runtime's own row, not a config the caller made.
      if (!record || record.protocol === WORKFLOW_HOOK_PROTOCOL) throw Errors.pushConfigNotFound({ configId: params.id, taskId: params.taskId });
      return TaskPushNotificationConfig.fromJSON(JSON.parse(record.config));
    });
  }

  async listTaskPushNotificationConfigs(params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.#onPushConfigs(params.taskId, context, async () => {
      const records = await this.#o.push.listConfigs(params.taskId);
      return { configs: records.filter((r) => r.protocol !== WORKFLOW_HOOK_PROTOCOL).map((r) => TaskPushNotificationConfig.fromJSON(JSON.parse(r.config))), nextPageToken: '' };
    });
  }

  async deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<void> {
    return this.#onPushConfigs(params.taskId, context, async () => {
      // Delete is idempotent (A2A §3.1.10, as HTTP DELETE is, RFC 9110 §9.2.2): a config already gone,
      // or one of the runtime's own that the caller never sees, is answered as deleted. The task must
      // still exist and be the caller's (checked above), so this reveals nothing.
      if (params.id.startsWith(RESERVED_CONFIG_ID_PREFIX)) return;
      await this.#o.push.deleteConfig(params.taskId, params.id);
    });
  }

  /** `work` on the push configs of `taskId`, once push is known to be on and the caller may see the task. */
  #onPushConfigs<T>(taskId: string, context: ServerCallContext, work: () => Promise<T>): Promise<T> {
    return sdkErrors(context, async () => {
      this.#requirePush();
      await this.#o.engine.getVisible(this.name, taskId, callOf(context));
      return work();
    });
  }

  async #putPushConfig(params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    this.#requirePush();
    try {
      await this.#o.urlGuard.check(params.url);
    } catch (err) {
      // A host that does not resolve now is not refused: DNS may answer later, and the address is
      // judged again at connect time on every delivery (docs/push-notifications.md), where an SSRF
      // target is still refused. Only what the URL itself shows (scheme, credentials, an address
      // or a name resolving into a private range) is refused here.
      if (!isAgentmeshError(err) || err.code !== ErrorCodes.HTTP_UPSTREAM_FAILED) {
        throw Errors.webhookNotAllowed({ reason: errorMessage(err) }, {
          violations: [{ field: 'url', description: errorMessage(err) }],
          cause: err,
        });
      }
    }
    // The runtime's own configs (a workflow launch) are upserted by id: a caller's must not overwrite one.
    if (params.id?.startsWith(RESERVED_CONFIG_ID_PREFIX)) throw invalidParams('id', `must not start with "${RESERVED_CONFIG_ID_PREFIX}": such ids are the runtime's own`);
    const config: TaskPushNotificationConfig = { ...params, id: params.id || uuidv7(), tenant: callOf(context).tenant };
    await this.#o.push.putConfig({
      taskId: config.taskId,
      id: config.id,
      tenant: config.tenant,
      config: JSON.stringify(TaskPushNotificationConfig.toJSON(config)),
      protocol: context.requestedVersion.startsWith('0.') ? '0.3' : '1.0',
      createdAt: Date.now(),
    });
    return config;
  }

  /**
   * Stores a push config sent with the message before the task's first
   * event, so none is missed: such a message asks for a task (it is answered
   * with one whatever the skill). Otherwise a caller that waits may get a
   * skill's message answer.
   */
  #sendOptions(params: SendMessageRequest, context: ServerCallContext, replyAllowed: boolean): SendOptions {
    const config = params.configuration?.taskPushNotificationConfig;
    if (!config) return replyAllowed ? REPLY_ALLOWED : TASK_ONLY;
    return {
      beforeStart: async (taskId) => void (await this.#putPushConfig({ ...config, taskId }, context)),
      // A repeated messageId is a retry only if it asks for the push config its task was given (ADR 0046).
      sameRequest: {
        key: pushConfigKey(config),
        askedOf: async (taskId) => {
          const key = pushConfigKey(config);
          const records = await this.#o.push.listConfigs(taskId);
          return records.some((r) => r.protocol !== WORKFLOW_HOOK_PROTOCOL && pushConfigKey(TaskPushNotificationConfig.fromJSON(JSON.parse(r.config)), config.id === '') === key);
        },
      },
    };
  }

  async #waitForSettle(taskId: string, afterSeq: number, waitForNew: boolean, context: ServerCallContext): Promise<void> {
    const row = await this.#o.store.get(taskId);
    if (row?.terminal) return;
    for await (const _ of subscribeTaskEvents({ store: this.#o.store, bus: this.#o.bus, taskId, afterSeq, endOnInterrupted: true, waitForNew, ...signalOf(context) })) {
      // Drain until the stream ends at a terminal or interrupted state.
    }
  }

  #requireStreaming(): void {
    if (this.#o.card().capabilities?.streaming === false) throw Errors.streamingNotSupported({ agent: this.name });
  }

  #requirePush(): void {
    if (this.#o.card().capabilities?.pushNotifications === false) throw Errors.pushNotSupported({ agent: this.name });
  }
}

/** The CallInfo a transport stored on the context. */
export function callOf(context: ServerCallContext): CallInfo {
  const call = context.state.get(CTX.call);
  return isCallInfo(call) ? call : { tenant: context.tenant ?? '', caller: { authenticated: context.user?.isAuthenticated ?? false, id: context.user?.userName ?? '', scopes: [] } };
}

/** What a transport stores under {@link CTX.call}: checked, as the context's state holds anything. */
function isCallInfo(value: unknown): value is CallInfo {
  return isRecord(value) && typeof value['tenant'] === 'string' && isRecord(value['caller']);
}

/** The request's client-gone signal, made only if a subscription has to wait for it. */
function signalOf(context: ServerCallContext): { signal?: () => AbortSignal } {
  const signal = context.state.get(CTX.signal) as (() => AbortSignal) | undefined;
  return signal ? { signal } : {};
}

/**
 * The events of a stream as the SDK's transports send them (v0.3 JSON-RPC and HTTP+JSON, gRPC). An error
 * once the stream has begun reaches none of our routes' error handlers (the SDK's transport answers it in
 * the stream): it is logged here, once, with the task's id, and reaches a v0.3 transport in its words,
 * whether or not an event named the task yet (a message answer names none).
 */
async function* toStreamResponses(events: AsyncGenerator<CommittedEvent>, context: ServerCallContext): AsyncGenerator<StreamResponse> {
  // Kept as it is: parsed for its task only if the stream fails.
  let firstPayload: string | undefined;
  try {
    for await (const e of events) {
      // A message answer (seq 0) has no event id.
      context.state.set(CTX.seq, e.seq > 0 ? e.seq : undefined);
      firstPayload ??= e.payload;
      yield StreamResponse.fromJSON(JSON.parse(e.payload));
    }
  } catch (err) {
    const taskId = streamTaskId(firstPayload, undefined);
    if (isLegacy(context)) {
      // The call's own error, thrown before its stream began, was translated where it was thrown.
      if (err instanceof A2AError || err instanceof LegacyA2AError) throw err;
      throw forTransport(err, context, { taskId });
    }
    // Before any event named a task: the call's own error, which the gRPC binding maps and logs.
    if (taskId === undefined) throw err;
    const log = callOf(context).log;
    if (log !== undefined) logAnsweredError(log, err, 'stream failed', { taskId });
    // The gRPC binding maps it next: logged here, with its task, it is not logged there again.
    throw markLogged(err);
  }
}

/** Runs `fn`, rethrowing our errors as the SDK's so its v0.3 transports map them right. */
async function sdkErrors<T>(context: ServerCallContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw forTransport(err, context);
  }
}

/**
 * An error as the call's transport takes it: as it is for v1, the SDK's for its v0.3 transports.
 * Those answer without our routes seeing the error, so the cause of an internal one is logged here.
 */
function forTransport(err: unknown, context: ServerCallContext, stream?: { taskId: string | undefined }): unknown {
  if (!isLegacy(context)) return err;
  const log = callOf(context).log;
  if (log !== undefined) {
    if (stream === undefined) logAnsweredError(log, err, 'v0.3 request failed');
    else logAnsweredError(log, err, 'v0.3 stream failed', stream.taskId === undefined ? {} : { taskId: stream.taskId });
  }
  // Logged here, where its cause is known: the transport answering with the translation logs it no more.
  return markLogged(toLegacyError(err, context.state.get(CTX.requestId) as string | undefined));
}

/** The caller is told to retry, in an error no SDK class carries: the SDK would answer it as a bare -32603. */
function saysToRetry(err: unknown, requestId: string | undefined): boolean {
  if (err instanceof A2AError) return false;
  const shown = normalizeError(err, requestId);
  return shown.retryable && shown.expose && WIRE[shown.code].reason === undefined;
}

const isLegacy = (context: ServerCallContext): boolean => context.requestedVersion.startsWith('0.');

/**
 * Our error as the SDK's v0.3 transports take it. A refusal for credit (a
 * retry-only call that is not a retry, ADR 0046, third addendum) has no SDK
 * class: it keeps its own JSON-RPC code and data, as the gateway answers it.
 * So does an error that says to retry (the role shutting down, a store
 * unavailable, an agent at capacity): v0.3 has no code for it, and the
 * SDK's plain -32603 would drop its ErrorInfo, the retry signal the v1
 * answer carries (docs/errors.md, "v0.3").
 */
function toLegacyError(err: unknown, requestId: string | undefined): Error {
  const credit = isAgentmeshError(err) && err.code === ErrorCodes.TENANCY_INSUFFICIENT_CREDITS;
  if (!credit && !saysToRetry(err, requestId)) return toSdkError(err, requestId);
  const wire = toJsonRpcErrorObject(err, requestId);
  // Rebuilt from the envelope: its `data` is the array of details the gateway sends too (the v0.3 facade's
  // constructor types data as an object), and a code of ours the SDK has no class for keeps its envelope.
  return fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: null, error: wire });
}

/**
 * historyLength is a non-negative int32 (A2A §3.2.4). The v1 transports check
 * it in their schemas; this holds it for the paths that reach the handler
 * another way (the SDK's v0.3 JSON-RPC translation passes `-1` through, and
 * `slice(1)` would then silently drop the oldest message).
 */
function checkHistoryLength(value: number | undefined, field: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) throw invalidParams(field, 'must be a non-negative integer');
}
