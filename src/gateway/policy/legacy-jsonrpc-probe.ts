import { AgentCard, type Message, type SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { ServerCallContext, type A2ARequestHandler } from '@a2a-js/sdk/server';
import { type AgentmeshError, ErrorCodes, isAgentmeshError, normalizeError, requireMessage, toSdkError, type ErrorCode, type FieldViolation, Errors, relayed } from '../../protocol/index.js';

/** What the probe checks a translated message with (the runtime's send checks). */
export type MessageCheck = (message: Message) => AgentmeshError | undefined;

/** Per-call state handed to the probe through the call context. */
interface ProbeState {
  card: AgentCard | undefined;
  check: MessageCheck;
  /** The request got past the SDK's own checks into the handler. */
  reached: boolean;
  /** The error our checks found, as the runtime would throw it. */
  refused: AgentmeshError | undefined;
}

/** Thrown by the probe where the runtime would start work: past every check. */
const REACHED = new Error('agentmesh: request reached the handler');

/** The call context of one judged request: the SDK hands it to the handler, which reads the probe's state off it. */
class ProbeContext extends ServerCallContext {
  readonly probe: ProbeState;
  constructor(probe: ProbeState) {
    super();
    this.probe = probe;
  }
}

function stateOf(context: ServerCallContext): ProbeState {
  if (!(context instanceof ProbeContext)) throw new TypeError('the probe was called with a context it did not make');
  return context.probe;
}

/** The card the SDK reads when the call names none: it only asks whether streaming is on. */
const STREAMING_CARD = AgentCard.fromJSON({ capabilities: { streaming: true } });

/**
 * Stands in for the runtime's request handler behind the SDK's own v0.3
 * JSON-RPC transport handler: the SDK checks and translates the v0.3 request
 * exactly as it does in the runtime, then calls here, where the runtime's
 * message checks run and nothing else happens.
 */
class ProbeHandler implements A2ARequestHandler {
  #card: AgentCard | undefined;

  /**
   * The card of the call being judged. The SDK asks for it (message/stream,
   * tasks/resubscribe: capabilities.streaming) without a context, in the
   * synchronous part of `handle`, so it is set just before and cleared just after.
   */
  setCard(card: AgentCard | undefined): void {
    this.#card = card;
  }

  async getAgentCard(): Promise<AgentCard> {
    return this.#card ?? STREAMING_CARD;
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<never> {
    this.#checkSend(params, context, false);
  }

  // The SDK wants a generator here; the probe throws from its first step, before anything would be yielded.
  // eslint-disable-next-line require-yield
  async *sendMessageStream(params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    this.#checkSend(params, context, true);
  }

  /** The runtime's `AgentRequestHandler.send` / `.stream` checks, in its order, with its SDK error conversion. */
  #checkSend(params: SendMessageRequest, context: ServerCallContext, streaming: boolean): never {
    const state = stateOf(context);
    let refused: AgentmeshError | undefined;
    try {
      if (streaming && state.card?.capabilities?.streaming === false) {
        throw Errors.streamingNotSupported({ agent: state.card.name });
      }
      refused = state.check(requireMessage(params));
    } catch (err) {
      refused = isAgentmeshError(err) ? err : undefined;
    }
    if (refused === undefined) {
      state.reached = true;
      throw REACHED;
    }
    state.refused = refused;
    throw toSdkError(refused);
  }

  async getTask(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async listTasks(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async cancelTask(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async getAuthenticatedExtendedAgentCard(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async createTaskPushNotificationConfig(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async getTaskPushNotificationConfig(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async listTaskPushNotificationConfigs(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  async deleteTaskPushNotificationConfig(_p: unknown, context: ServerCallContext): Promise<never> {
    return reached(context);
  }
  // eslint-disable-next-line require-yield
  async *resubscribe(_p: unknown, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    reached(context);
  }
}

function reached(context: ServerCallContext): never {
  stateOf(context).reached = true;
  throw REACHED;
}

/** JSON-RPC codes the SDK answers a v0.3 request with that are a verdict on the request itself. */
const VERDICTS = new Map<number, ErrorCode>([
  [-32600, ErrorCodes.PROTOCOL_INVALID_REQUEST],
  [-32601, ErrorCodes.PROTOCOL_METHOD_NOT_FOUND],
  [-32602, ErrorCodes.PROTOCOL_INVALID_PARAMS],
  [-32004, ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION],
]);
const VERDICT_CODES = new Set<ErrorCode>(VERDICTS.values());

/**
 * Judges a v0.3 JSON-RPC request (already past the JSON-RPC 2.0 envelope
 * check) the way the runtime's v0.3 binding does: through the SDK's
 * `LegacyJsonRpcTransportHandler`, which checks and translates it, then the
 * runtime's message checks. Resolves to the error the runtime would answer,
 * or undefined when it would start work — or when the SDK fails in a way
 * that is no verdict on the request (an internal error: the runtime answers
 * that itself).
 */
export class LegacyJsonRpcProbe {
  readonly #handler = new ProbeHandler();
  readonly #transport = new LegacyJsonRpcTransportHandler(this.#handler);

  async judge(body: Record<string, unknown>, card: AgentCard | undefined, check: MessageCheck): Promise<AgentmeshError | undefined> {
    const state: ProbeState = { card, check, reached: false, refused: undefined };
    const context = new ProbeContext(state);
    this.#handler.setCard(card);
    const handling = this.#transport.handle(body, context);
    this.#handler.setCard(undefined);
    const result: unknown = await handling;
    if (isAsyncIterable(result)) {
      try {
        await result.next();
      } catch (err) {
        if (state.reached) return undefined;
        if (state.refused) return state.refused;
        const e = normalizeError(err);
        return VERDICT_CODES.has(e.code) ? e : undefined;
      } finally {
        await result.return(undefined);
      }
      return undefined;
    }
    if (state.reached) return undefined;
    if (state.refused) return state.refused;
    const error = (result as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (error === undefined || typeof error.code !== 'number' || typeof error.message !== 'string') return undefined;
    const code = VERDICTS.get(error.code);
    if (code === undefined) return undefined;
    return relayed(code, error.message, code === ErrorCodes.PROTOCOL_INVALID_PARAMS ? { violations: [violationOf(error.message)] } : {});
  }
}


/** The field an SDK message names ("message.messageId is required"), else the params as a whole. */
function violationOf(message: string): FieldViolation {
  const named = /^((?:message|params|taskId|id|historyLength|pushNotificationConfig)(?:\.[\w]+)*) (.{1,200}?)\.?$/.exec(message);
  return named ? { field: named[1]!, description: named[2]! } : { field: 'params', description: message.slice(0, 200) };
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
