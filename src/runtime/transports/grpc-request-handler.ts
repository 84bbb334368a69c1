import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { A2AError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { MAX_JSON_DEPTH, invalidParams } from '../../protocol/index.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';

/**
 * The agent's request handler as the SDK's gRPC services call it: every
 * error becomes an SDK gRPC error (so the SDK's server sends the A2A §5.4
 * status, not UNKNOWN), and decoded requests are held to the nesting limit
 * the JSON bindings check on their text (A2A §3.3.2): a Struct nested
 * thousands deep must be refused before it reaches `JSON.stringify`.
 */
export class GrpcRequestHandler implements A2ARequestHandler {
  readonly #inner: AgentRequestHandler;
  readonly #map: (err: unknown) => A2AError;
  readonly #legacyProto: boolean;

  /**
   * `legacyProto`: requests come from the v0.3 proto, whose `history_length`
   * has no presence: 0 there is "not set" (proto3), not "no history".
   */
  constructor(inner: AgentRequestHandler, map: (err: unknown) => A2AError, options: { legacyProto: boolean }) {
    this.#inner = inner;
    this.#map = map;
    this.#legacyProto = options.legacyProto;
  }

  getAgentCard(): Promise<AgentCard> {
    return this.#inner.getAgentCard();
  }

  getAuthenticatedExtendedAgentCard(params: GetExtendedAgentCardRequest, context: ServerCallContext): Promise<AgentCard> {
    return this.#unary(() => this.#inner.getAuthenticatedExtendedAgentCard(params, context));
  }

  sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    return this.#unary(() => {
      assertDepth(params);
      return this.#inner.sendMessage(this.#sendParams(params), context);
    });
  }

  sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream(() => {
      assertDepth(params);
      return this.#inner.sendMessageStream(this.#sendParams(params), context);
    });
  }

  getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    const unset = this.#legacyProto && params.historyLength === 0;
    return this.#unary(() => this.#inner.getTask(unset ? { ...params, historyLength: undefined } : params, context));
  }

  cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.#unary(() => this.#inner.cancelTask(params, context));
  }

  listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.#unary(() => this.#inner.listTasks(params, context));
  }

  resubscribe(params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream(() => this.#inner.resubscribe(params, context));
  }

  createTaskPushNotificationConfig(params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.#unary(() => {
      assertDepth(params);
      return this.#inner.createTaskPushNotificationConfig(params, context);
    });
  }

  getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<TaskPushNotificationConfig> {
    return this.#unary(() => this.#inner.getTaskPushNotificationConfig(params, context));
  }

  listTaskPushNotificationConfigs(params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.#unary(() => this.#inner.listTaskPushNotificationConfigs(params, context));
  }

  deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<void> {
    return this.#unary(() => this.#inner.deleteTaskPushNotificationConfig(params, context));
  }

  #sendParams(params: SendMessageRequest): SendMessageRequest {
    const configuration = params.configuration;
    if (!this.#legacyProto || configuration?.historyLength !== 0) return params;
    return { ...params, configuration: { ...configuration, historyLength: undefined } };
  }

  async #unary<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.#map(err);
    }
  }

  async *#stream(fn: () => AsyncGenerator<StreamResponse, void, undefined>): AsyncGenerator<StreamResponse, void, undefined> {
    try {
      yield* fn();
    } catch (err) {
      throw this.#map(err);
    }
  }
}

/**
 * Refuses a decoded request nested deeper than the JSON bindings allow.
 * Iterative, and it stops at the limit: its cost is bounded by the message,
 * never by the nesting.
 */
export function assertDepth(value: unknown, limit: number = MAX_JSON_DEPTH): void {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (d >= limit) throw invalidParams('params', `must not nest deeper than ${limit} levels`);
    const children: readonly unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ v: child, d: d + 1 });
    }
  }
}
