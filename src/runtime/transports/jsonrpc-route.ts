import { SendMessageRequest, SubscribeToTaskRequest } from '@a2a-js/sdk';
import { isLegacyJsonRpcMethod } from '@a2a-js/sdk/compat/v0_3';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { V1_METHODS, requestedVersion, assertJsonDepth, assertJsonRequest, PLAIN_JSON, checkLegacyFileBytes, jsonRpcIdOf, methodNotFound, parseJsonRpcBody, readJsonRpcEnvelope, toJsonRpcErrorObject, validateParams, logAnsweredError, AgentmeshError, ErrorCodes, WIRE, type JsonRpcId, type ProtocolVersion } from '../../protocol/index.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';
import { streamTaskId, type CommittedEvent } from '../task-events.js';
import { sendCommittedEvents, sendFirstCommittedEvent } from './committed-event-relay.js';
import { answerOperationJson } from './operation-json.js';
import { anonymous, buildCallContext, callerOf, isPendingCaller, requestVersion, type Authenticate } from './call-context.js';
import { abortOnClientGone, openSseWithFirst, type SseOptions } from '../../http/index.js';

const V1 = new Set(V1_METHODS);
const STREAMING = new Set(['SendStreamingMessage', 'SubscribeToTask']);

/** Options of {@link createJsonRpcHandler}. */
export interface JsonRpcRouteOptions {
  handler: AgentRequestHandler;
  authenticate: Authenticate;
  sse: SseOptions;
}

/**
 * `POST /` of an agent: JSON-RPC 2.0 in both protocol versions (A2A §9).
 * v1 requests are validated here (a bad field gets -32602 naming it) and
 * answered from the durable handler, SendMessage straight from the stored
 * snapshot JSON; v0.3 requests go through the SDK's own v0.3 transport
 * handler, which translates shapes both ways over the same handler.
 */
export function createJsonRpcHandler(options: JsonRpcRouteOptions) {
  const legacy = new LegacyJsonRpcTransportHandler(options.handler);

  return async function jsonRpc(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let id: JsonRpcId = null;
    try {
      // A body sent as text/plain (or a form) is A2A's content-type error, not a parse error: nothing is read of it.
      assertJsonRequest(request.headers['content-type'], PLAIN_JSON);
      const raw = typeof request.body === 'string' ? parseJsonRpcBody(request.body) : request.body;
      // Known before the envelope is judged, so even a -32600 answers with the caller's id (JSON-RPC 2.0 §5).
      id = jsonRpcIdOf(raw);
      const envelope = readJsonRpcEnvelope(raw);
      // Bounded before any recursive walk (validation, hashing, event JSON).
      if (typeof request.body === 'string') assertJsonDepth(request.body);
      const version = resolveVersion(request, envelope.method);
      const authenticating = options.authenticate !== anonymous;
      // A cached assertion's caller comes at once: no promise made or waited for per call.
      const found = callerOf(options.authenticate, request);
      const caller = isPendingCaller(found) ? await found : found;
      const signal = abortOnClientGone(request, reply);
      if (version === '0.3') {
        if (envelope.method === 'message/send' || envelope.method === 'message/stream') checkLegacyFileBytes(envelope.params);
        const context = buildCallContext({ request, agent: options.handler.name, version, caller, authenticating, tenant: tenantOf(envelope.params), signal });
        const result = await legacy.handle(envelope.raw, context);
        if (isAsyncIterable(result)) return await streamLegacy(request, reply, options.sse, result, context.state, id);
        // A refusal for credit keeps the gateway's HTTP status in v0.3 as in v1 (below).
        if ((result as { error?: { code?: unknown } }).error?.code === WIRE[ErrorCodes.TENANCY_INSUFFICIENT_CREDITS].jsonRpc) reply.code(WIRE[ErrorCodes.TENANCY_INSUFFICIENT_CREDITS].http);
        return sendJson(reply, result);
      }
      if (!V1.has(envelope.method)) {
        throw methodNotFound(envelope.method);
      }
      const params = validateParams(envelope.method, envelope.params ?? {});
      const context = buildCallContext({ request, agent: options.handler.name, version, caller, authenticating, tenant: tenantOf(params), signal });
      if (STREAMING.has(envelope.method)) {
        const events = envelope.method === 'SendStreamingMessage' ? options.handler.stream(SendMessageRequest.fromJSON(params), context) : options.handler.subscribe(SubscribeToTaskRequest.fromJSON(params), context);
        return await streamV1(request, reply, options.sse, events, id, typeof params['id'] === 'string' ? params['id'] : undefined);
      }
      const resultJson = await answerOperationJson(options.handler, envelope.method, params, context);
      reply.header('content-type', 'application/json').send(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`);
    } catch (err) {
      if (reply.sent) return;
      logAnsweredError(request.log, err, 'JSON-RPC request failed');
      // A retry-only call refused for credit (ADR 0046, third addendum) is the gateway's refusal given here: its
      // HTTP status is the one the gateway answers its own with (402), so the caller cannot tell which refused.
      if (err instanceof AgentmeshError && err.code === ErrorCodes.TENANCY_INSUFFICIENT_CREDITS) reply.code(WIRE[err.code].http);
      sendJson(reply, { jsonrpc: '2.0', id, error: toJsonRpcErrorObject(err, String(request.id)) });
    }
  };
}

/** Explicit version wins; without one, a v1 method name is served as v1 rather than refused (lenient to clients that omit the header). */
function resolveVersion(request: FastifyRequest, method: string): ProtocolVersion {
  const explicit = requestedVersion(request.headers['a2a-version'], request.query) !== undefined;
  const version = requestVersion(request);
  if (!explicit && !isLegacyJsonRpcMethod(method) && V1.has(method)) return '1.0';
  return version;
}

/** What a stream's error line says it was about: the task its first event named, else the one the call named. */
function streamFields(firstPayload: string | undefined, taskId: string | undefined): Record<string, unknown> {
  const id = streamTaskId(firstPayload, taskId);
  return id === undefined ? {} : { taskId: id };
}

function tenantOf(params: unknown): string | undefined {
  const t = (params as { tenant?: unknown } | undefined)?.tenant;
  return typeof t === 'string' && t.length > 0 ? t : undefined;
}

function sendJson(reply: FastifyReply, body: unknown): void {
  reply.header('content-type', 'application/json').send(JSON.stringify(body));
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Pulls the first event before committing to SSE, so an early error is a plain JSON-RPC error response. */
async function streamV1(request: FastifyRequest, reply: FastifyReply, sse: SseOptions, events: AsyncGenerator<CommittedEvent>, id: JsonRpcId, taskId: string | undefined): Promise<void> {
  const { stream, first: opened } = await openSseWithFirst(request, reply, sse, events);
  const prefix = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
  // The first event names the task: what the log line of an error later in the stream says it was about.
  let firstPayload: string | undefined;
  try {
    firstPayload = sendFirstCommittedEvent(stream, opened, prefix, '}');
    if (firstPayload !== undefined) await sendCommittedEvents(stream, events, prefix, '}');
  } catch (err) {
    // The headers are sent: the route's handler never sees this error, so it is logged here.
    logAnsweredError(request.log, err, 'JSON-RPC stream failed', streamFields(firstPayload, taskId));
    // Typed `error`, as the SDK's servers send it on every binding.
    stream.send(JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcErrorObject(err, String(request.id)) }), undefined, 'error');
  } finally {
    await events.return(undefined);
    stream.close();
  }
}

async function streamLegacy(request: FastifyRequest, reply: FastifyReply, sse: SseOptions, events: AsyncGenerator<unknown>, state: Map<string, unknown>, id: JsonRpcId): Promise<void> {
  const { stream, first: opened } = await openSseWithFirst(request, reply, sse, events);
  try {
    if (!opened.ok) throw opened.error;
    const first = opened.result;
    if (!first.done) stream.send(JSON.stringify(first.value), state.get('agentmesh.seq') as number | undefined);
    if (!first.done) {
      for await (const e of events) {
        if (stream.closed) break;
        stream.send(JSON.stringify(e), state.get('agentmesh.seq') as number | undefined);
      }
    }
  } catch (err) {
    // Logged with its task where the stream's events are made (agent-request-handler.ts): not again.
    logAnsweredError(request.log, err, 'v0.3 JSON-RPC stream failed');
    // The request's id, as every response to it has: the SDK's v0.3 client refuses a response with another.
    stream.send(JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcErrorObject(err, String(request.id)) }), undefined, 'error');
  } finally {
    await events.return(undefined);
    stream.close();
  }
}
