import { SendMessageRequest, SubscribeToTaskRequest } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { A2A_JSON, assertJsonRequest, protoJsonName, restMediaType, toRestError, validateParams, logAnsweredError, Errors, isRecord, taskOperationUnknown } from '../../protocol/index.js';
import { parseRestBody } from './rest-body.js';
import { answerOperationJson } from './operation-json.js';
import type { AgentRequestHandler } from '../agent-request-handler.js';
import { streamTaskId, type CommittedEvent } from '../task-events.js';
import { sendCommittedEvents, sendFirstCommittedEvent } from './committed-event-relay.js';
import { anonymous, buildCallContext, callerOf, isPendingCaller, requestVersion, type Authenticate } from './call-context.js';
import { abortOnClientGone, openSseWithFirst, type SseOptions } from '../../http/index.js';

/** Options of {@link registerRestRoutes}. */

/** The action suffix of `/tasks/{id}:subscribe`. */
const SUBSCRIBE_SUFFIX = ':subscribe';
export interface RestRouteOptions {
  handler: AgentRequestHandler;
  authenticate: Authenticate;
  sse: SseOptions;
}

/**
 * The HTTP+JSON binding, v1 (A2A §11.3): `/message:send`, `/tasks/{id}`, …
 * Path and query parameters are typed and validated like JSON-RPC params,
 * so a bad `pageSize` gets the same field-naming error in both bindings.
 */
export function registerRestRoutes(app: FastifyInstance, options: RestRouteOptions): void {
  const { handler } = options;

  const route = (run: (request: FastifyRequest, reply: FastifyReply, context: ServerCallContext) => Promise<void>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const version = requestVersion(request);
      if (version === '0.3') {
        throw Errors.v1RestOnly({}, { details: { supportedVersions: '1.0' } });
      }
      const authenticating = options.authenticate !== anonymous;
      // A cached assertion's caller comes at once: no promise made or waited for per call.
      const found = callerOf(options.authenticate, request);
      const caller = isPendingCaller(found) ? await found : found;
      const signal = abortOnClientGone(request, reply);
      const context = buildCallContext({ request, agent: options.handler.name, version, caller, authenticating, tenant: undefined, signal });
      await run(request, reply, context);
    } catch (err) {
      if (reply.sent) return;
      const { statusCode, body } = toRestError(err, String(request.id));
      logAnsweredError(request.log, err, 'REST request failed');
      reply.code(statusCode).header('content-type', mediaTypeOf(request)).send(JSON.stringify(body));
    }
  };
  const send = (reply: FastifyReply, json: string, status = 200) => reply.code(status).header('content-type', mediaTypeOf(reply.request)).send(json);

  app.post('/message::send', route(async (request, reply, context) => {
    const body = validateParams('SendMessage', parseBody(request));
    send(reply, await answerOperationJson(handler, 'SendMessage', body, context));
  }));

  app.post('/message::stream', route(async (request, reply, context) => {
    const body = validateParams('SendStreamingMessage', parseBody(request));
    await stream(request, reply, options.sse, handler.stream(SendMessageRequest.fromJSON(body), context));
  }));

  app.get('/tasks', route(async (request, reply, context) => {
    const params = validateParams('ListTasks', typedQuery(request.query, { pageSize: 'int', historyLength: 'int', includeArtifacts: 'bool' }));
    send(reply, await answerOperationJson(handler, 'ListTasks', params, context));
  }));

  app.get('/tasks/:id', route(async (request, reply, context) => {
    const { id } = request.params as { id: string };
    // The proto's HTTP rule subscribes with GET where the specification's table says POST; the SDK's
    // server answers both, so a client built from either finds the stream here (ADR 0062).
    // Only an unencoded ':' starts the action (A2A §11.3), as the gateway classifies it: `{id}%3Asubscribe`
    // (decoded in `id` alike) reads the task of that id, as the gateway's GetTask it was forwarded as.
    if (id.endsWith(SUBSCRIBE_SUFFIX) && pathOf(request.url).endsWith(SUBSCRIBE_SUFFIX)) {
      const taskId = id.slice(0, -SUBSCRIBE_SUFFIX.length);
      validateParams('SubscribeToTask', { id: taskId });
      await stream(request, reply, options.sse, handler.subscribe(SubscribeToTaskRequest.fromJSON({ id: taskId }), context), taskId);
      return;
    }
    const params = validateParams('GetTask', { ...typedQuery(request.query, { historyLength: 'int' }), id });
    send(reply, await answerOperationJson(handler, 'GetTask', params, context));
  }));

  // `/tasks/{id}:cancel` and `/tasks/{id}:subscribe`: the action is part of the last path segment.
  app.post('/tasks/:idAction', route(async (request, reply, context) => {
    const { idAction } = request.params as { idAction: string };
    // Only an unencoded ':' starts the action (A2A §11.3), as the gateway classifies it and as GET reads
    // `{id}%3Asubscribe`: the router decodes `idAction`, so the action is found in the segment as sent.
    const { id, action } = taskAction(idAction, lastSegmentOf(pathOf(request.url)));
    if (action === undefined) {
      // `{id}%3Acancel` names the task `x:cancel` and no action: no task of agentmesh's has a ':' in its id (UUIDs).
      if (id.includes(':')) throw Errors.taskNotFound({ taskId: id });
      throw taskOperationUnknown(undefined);
    }
    if (action === 'cancel') {
      validateParams('CancelTask', { id });
      send(reply, await answerOperationJson(handler, 'CancelTask', { id }, context));
      return;
    }
    if (action === 'subscribe') {
      validateParams('SubscribeToTask', { id });
      await stream(request, reply, options.sse, handler.subscribe(SubscribeToTaskRequest.fromJSON({ id }), context), id);
      return;
    }
    throw taskOperationUnknown(action);
  }));

  app.post('/tasks/:taskId/pushNotificationConfigs', route(async (request, reply, context) => {
    const { taskId } = request.params as { taskId: string };
    const sent = parseBody(request);
    // The path names the task, whichever spelling the body used for it.
    const body = validateParams('CreateTaskPushNotificationConfig', { ...(isRecord(sent) && withoutKeys(sent, ['taskId', 'task_id'])), taskId });
    send(reply, await answerOperationJson(handler, 'CreateTaskPushNotificationConfig', body, context), 201);
  }));

  app.get('/tasks/:taskId/pushNotificationConfigs', route(async (request, reply, context) => {
    const { taskId } = request.params as { taskId: string };
    validateParams('ListTaskPushNotificationConfigs', { taskId });
    send(reply, await answerOperationJson(handler, 'ListTaskPushNotificationConfigs', { taskId }, context));
  }));

  app.get('/tasks/:taskId/pushNotificationConfigs/:id', route(async (request, reply, context) => {
    const params = request.params as { taskId: string; id: string };
    validateParams('GetTaskPushNotificationConfig', params);
    send(reply, await answerOperationJson(handler, 'GetTaskPushNotificationConfig', params, context));
  }));

  app.delete('/tasks/:taskId/pushNotificationConfigs/:id', route(async (request, reply, context) => {
    const params = request.params as { taskId: string; id: string };
    validateParams('DeleteTaskPushNotificationConfig', params);
    await answerOperationJson(handler, 'DeleteTaskPushNotificationConfig', params, context);
    reply.code(204).send();
  }));

  app.get('/extendedAgentCard', route(async (_request, reply, context) => {
    send(reply, await answerOperationJson(handler, 'GetExtendedAgentCard', {}, context));
  }));
}

/** The request's JSON body ({} when none); a body sent as another media type is refused with 415 before it is read. */
function parseBody(request: FastifyRequest): unknown {
  const body = request.body;
  if (typeof body === 'string' && body.length > 0) assertJsonRequest(request.headers['content-type'], A2A_JSON);
  return parseRestBody(body) ?? {};
}

/**
 * A `/tasks/{segment}` POST's task id and action: the action follows the segment's last unencoded ':' as
 * sent (`raw`); `decoded` is the router's decoding of the same segment. No unencoded ':': no action, and
 * the whole decoded segment is the id.
 */
function taskAction(decoded: string, raw: string): { id: string; action: string | undefined } {
  const colon = raw.lastIndexOf(':');
  // A segment that starts with its ':' names no task: no operation, as before any id is read.
  if (colon === 0) return { id: '', action: undefined };
  if (colon < 0) return { id: decoded, action: undefined };
  const rawAction = raw.slice(colon + 1);
  const action = safeDecode(rawAction);
  // The decoded segment ends with the decoded action: what precedes it is the id.
  const id = decoded.endsWith(`:${action}`) ? decoded.slice(0, decoded.length - action.length - 1) : '';
  return { id, action };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A path's last segment, as sent. */
function lastSegmentOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A request URL's path, as sent (percent-encoded), without its query. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Answers in the media type the client used (A2A §11.1, §14.1; docs/conformance.md). */
function mediaTypeOf(request: FastifyRequest): string {
  return restMediaType(request.headers.accept, request.headers['content-type']);
}

function withoutKeys(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = { ...value };
  for (const k of keys) delete out[k];
  return out;
}

/** Converts query strings to the types the proto fields have (A2A §11.5); a value that does not convert is left for validation to name. */
function typedQuery(query: unknown, types: Record<string, 'int' | 'bool'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(isRecord(query) ? query : {})) {
    if (k.toLowerCase() === 'a2a-version') continue;
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    const type = types[protoJsonName(k)];
    if (type === 'int' && typeof value === 'string' && /^-?\d{1,15}$/.test(value)) out[k] = Number(value);
    else if (type === 'bool' && (value === 'true' || value === 'false')) out[k] = value === 'true';
    else out[k] = value;
  }
  return out;
}

async function stream(request: FastifyRequest, reply: FastifyReply, sse: SseOptions, events: AsyncGenerator<CommittedEvent>, taskId?: string): Promise<void> {
  const { stream: s, first: opened } = await openSseWithFirst(request, reply, sse, events);
  // The first event names the task: what the log line of an error later in the stream says it was about.
  let firstPayload: string | undefined;
  try {
    firstPayload = sendFirstCommittedEvent(s, opened, '', '');
    if (firstPayload !== undefined) await sendCommittedEvents(s, events, '', '');
  } catch (err) {
    // The headers are sent: the route's handler never sees this error, so it is logged here.
    const id = streamTaskId(firstPayload, taskId);
    logAnsweredError(request.log, err, 'REST stream failed', id === undefined ? {} : { taskId: id });
    // Typed `error`, as the SDK's HTTP+JSON server sends it: its client throws only for an event of that type.
    s.send(JSON.stringify(toRestError(err, String(request.id)).body), undefined, 'error');
  } finally {
    await events.return(undefined);
    s.close();
  }
}
