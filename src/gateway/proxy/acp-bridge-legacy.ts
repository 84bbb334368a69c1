import type { AgentCard, CancelTaskRequest, GetTaskRequest, Message, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task } from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { ServerCallContext, UnauthenticatedUser, type A2ARequestHandler } from '@a2a-js/sdk/server';
import { A2AError } from '@a2a-js/sdk/errors';
import { toJsonRpcErrorObject, toSdkError, isRecord } from '../../protocol/index.js';
import type { AcpBridgeHandler } from './acp-bridge-handler.js';
import type { BridgeAnswer } from './acp-bridge-answer.js';
import type { GatewayCall } from './gateway-call.js';

/**
 * A v0.3 JSON-RPC call to a bridged ACP agent (`message/send`,
 * `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`; docs/acp.md):
 * the SDK's own `LegacyJsonRpcTransportHandler` reads and translates the v0.3
 * request and answer over the bridge's handler, as it does over the
 * runtime's handler for a native agent, so shapes are the SDK's v0.3 ones.
 *
 * The gateway's statuses are kept: an error the bridge raised (an ACP agent
 * that failed, 502; a run not found, in band) is rethrown for the gateway to
 * answer as it answers every v0.3 JSON-RPC error, rather than the SDK's
 * mapping of it; once a stream has started, it is the stream's last event.
 */
export async function answerLegacyJsonRpc(c: GatewayCall, handler: AcpBridgeHandler, out: BridgeAnswer): Promise<void> {
  const front = new SdkFacing(handler);
  const context = new ServerCallContext({ user: new UnauthenticatedUser(), requestedVersion: '0.3', tenant: '' });
  // A PII policy's redaction, when one applied: what the agent receives.
  // The body passed the JSON-RPC envelope check (an object) before the call was routed here.
  const body = c.redactedBody ?? c.body;
  const result = await new LegacyJsonRpcTransportHandler(front).handle(isRecord(body) ? body : {}, context);
  if (isAsyncIterable(result)) {
    const requestId = String(c.request.id);
    const id = c.call.jsonRpcId ?? null;
    return out.stream(unwrapped(result, front), {
      result: (envelope) => JSON.stringify(envelope),
      error: (err) => JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcErrorObject(err, requestId) }),
    });
  }
  if ((result as { error?: unknown }).error !== undefined && front.failure !== undefined) throw front.failure;
  await out.json(JSON.stringify(result));
}

/** A stream's values, an error the bridge raised rethrown as it was (the SDK's generator passes handler errors through). */
async function* unwrapped(values: AsyncGenerator<unknown>, front: SdkFacing): AsyncGenerator<unknown> {
  try {
    yield* values;
  } catch (err) {
    throw front.failure ?? err;
  }
}

/**
 * The bridge's handler as the SDK's v0.3 handler expects one: an error of the
 * catalog becomes the SDK's error of that meaning (so the SDK maps it to its
 * v0.3 code), and any error not the SDK's is kept for the gateway to answer with instead.
 */
class SdkFacing implements A2ARequestHandler {
  failure: unknown;
  readonly #h: AcpBridgeHandler;

  constructor(handler: AcpBridgeHandler) {
    this.#h = handler;
  }

  #fail(err: unknown): never {
    if (err instanceof A2AError) throw err;
    // Not the SDK's: the gateway answers it (an unknown one as its generic internal error, logged), not the SDK in its words.
    this.failure ??= err;
    throw toSdkError(err);
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      return this.#fail(err);
    }
  }

  async *#stream(work: () => AsyncGenerator<StreamResponse, void, undefined>): AsyncGenerator<StreamResponse, void, undefined> {
    try {
      yield* work();
    } catch (err) {
      if (!(err instanceof A2AError)) this.failure ??= err;
      throw err;
    }
  }

  getAgentCard(): Promise<AgentCard> {
    return this.#h.getAgentCard();
  }
  sendMessage(params: SendMessageRequest): Promise<Message | Task> {
    return this.#call(() => this.#h.sendMessage(params));
  }
  sendMessageStream(params: SendMessageRequest): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream(() => this.#h.sendMessageStream(params));
  }
  getTask(params: GetTaskRequest): Promise<Task> {
    return this.#call(() => this.#h.getTask(params));
  }
  cancelTask(params: CancelTaskRequest): Promise<Task> {
    return this.#call(() => this.#h.cancelTask(params));
  }
  resubscribe(params: SubscribeToTaskRequest): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream(() => this.#h.resubscribe(params));
  }
  listTasks(): Promise<never> {
    return this.#call(() => this.#h.listTasks());
  }
  getAuthenticatedExtendedAgentCard(): Promise<never> {
    return this.#call(() => this.#h.getAuthenticatedExtendedAgentCard());
  }
  createTaskPushNotificationConfig(): Promise<never> {
    return this.#call(() => this.#h.createTaskPushNotificationConfig());
  }
  getTaskPushNotificationConfig(): Promise<never> {
    return this.#call(() => this.#h.getTaskPushNotificationConfig());
  }
  listTaskPushNotificationConfigs(): Promise<never> {
    return this.#call(() => this.#h.listTaskPushNotificationConfigs());
  }
  deleteTaskPushNotificationConfig(): Promise<never> {
    return this.#call(() => this.#h.deleteTaskPushNotificationConfig());
  }
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
