import { randomUUID } from 'node:crypto';
import { Message } from '@a2a-js/sdk';
import { acpInputToA2a, type AcpMessage } from '../../acp/index.js';
import { A2A_JSON, ErrorCodes, MAX_JSON_DEPTH, PLAIN_JSON, assertJsonDepth, assertJsonRequest, jsonDepth, jsonRpcIdOf, methodNotFound, negotiateCardVersion, negotiateVersion, parseJsonRpcBody, readJsonRpcEnvelope, type JsonRpcEnvelope, type JsonRpcId, type ProtocolVersion, type CardFile, Errors, taskOperationUnknown, type AgentmeshError, isRecord, isAgentmeshError, messageInJsonNames, validateParams } from '../../protocol/index.js';

/**
 * What an A2A request asks for, read from the method and path (and, for
 * JSON-RPC, the body), in both protocol versions and both bindings: the
 * operation, the scope it needs, whether repeating it is safe, and the task
 * it names. The gateway authorizes, meters and audits by it.
 */

export type A2aOperation =
  | 'SendMessage'
  | 'SendStreamingMessage'
  | 'GetTask'
  | 'ListTasks'
  | 'CancelTask'
  | 'SubscribeToTask'
  | 'PushConfig'
  | 'GetExtendedAgentCard'
  | 'GetAgentCard';

/** Scopes per A2A operation (docs/security.md#scopes-per-a2a-operation). */
export const OPERATION_SCOPES: Readonly<Record<A2aOperation, string | undefined>> = Object.freeze({
  SendMessage: 'a2a:message:send',
  SendStreamingMessage: 'a2a:message:send',
  GetTask: 'a2a:tasks:read',
  ListTasks: 'a2a:tasks:read',
  SubscribeToTask: 'a2a:tasks:read',
  CancelTask: 'a2a:tasks:cancel',
  PushConfig: 'a2a:push:write',
  GetExtendedAgentCard: 'a2a:card:read',
  // The public card needs no token (A2A §8.2).
  GetAgentCard: undefined,
});

/** How a call reached the gateway: A2A's JSON-RPC or HTTP+JSON binding, or ACP (a native agent's runtime ACP endpoint). */
export type A2aBinding = 'JSONRPC' | 'HTTP+JSON' | 'ACP';

/** One request the gateway can authorize, meter and forward. */
export interface ClassifiedRequest {
  operation: A2aOperation;
  scope: string | undefined;
  /** A read: retrying it on another instance is safe. */
  idempotent: boolean;
  streaming: boolean;
  /** JSON-RPC request id, when the binding is JSON-RPC (errors answer with it). */
  jsonRpcId?: JsonRpcId;
  version: ProtocolVersion;
  /** `ACP`: a native agent's runtime ACP endpoint through the gateway (`/agents/{name}/acp/…`, docs/acp.md). */
  binding: A2aBinding;
  /** The params (JSON-RPC) or body (REST) of a message send: the message, for pricing. */
  message?: Record<string, unknown>;
  taskId?: string;
  /** The path to request upstream (after the agent's base), each segment encoded once, canonically. */
  forwardPath: string;
  /** ACP: the `agent_name` a new run names (the gateway refuses one that is not the agent of the path). */
  acpAgentName?: string;
  refusal?: undefined;
}

/** A request the gateway answers itself, in the caller's binding, without contacting an agent. */
export interface RefusedRequest {
  operation?: undefined;
  refusal: AgentmeshError;
  binding: A2aBinding;
  jsonRpcId?: JsonRpcId;
  version: ProtocolVersion;
  /** The body is not a request at all (-32700, -32600): answered before authentication, as the runtime does. */
  beforeAuth: boolean;
}

/** What the gateway makes of a request to an agent. */
export type A2aRequestReading = ClassifiedRequest | RefusedRequest;

const JSONRPC_V1 = new Map<string, A2aOperation>([
  ['SendMessage', 'SendMessage'],
  ['SendStreamingMessage', 'SendStreamingMessage'],
  ['GetTask', 'GetTask'],
  ['ListTasks', 'ListTasks'],
  ['CancelTask', 'CancelTask'],
  ['SubscribeToTask', 'SubscribeToTask'],
  ['CreateTaskPushNotificationConfig', 'PushConfig'],
  ['GetTaskPushNotificationConfig', 'PushConfig'],
  ['ListTaskPushNotificationConfigs', 'PushConfig'],
  ['DeleteTaskPushNotificationConfig', 'PushConfig'],
  ['GetExtendedAgentCard', 'GetExtendedAgentCard'],
]);

const JSONRPC_V03 = new Map<string, A2aOperation>([
  ['message/send', 'SendMessage'],
  ['message/stream', 'SendStreamingMessage'],
  ['tasks/get', 'GetTask'],
  ['tasks/list', 'ListTasks'],
  ['tasks/cancel', 'CancelTask'],
  ['tasks/resubscribe', 'SubscribeToTask'],
  ['tasks/pushNotificationConfig/set', 'PushConfig'],
  ['tasks/pushNotificationConfig/get', 'PushConfig'],
  ['tasks/pushNotificationConfig/list', 'PushConfig'],
  ['tasks/pushNotificationConfig/delete', 'PushConfig'],
  ['agent/getAuthenticatedExtendedCard', 'GetExtendedAgentCard'],
]);

const READS = new Set<A2aOperation>(['GetTask', 'ListTasks', 'GetAgentCard', 'GetExtendedAgentCard']);

/** A UTF-16 surrogate without its pair: the string is not well-formed Unicode. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A percent-encoded ':' in a raw path segment. */
const ENCODED_COLON = /%3a/i;

/** Longest task id the gateway forwards; a longer one cannot name a task (agentmesh ids are 36 characters). */
export const MAX_TASK_ID_LENGTH = 1024;

/**
 * Reads a request to an agent from its method, raw path (what follows
 * `/agents/{name}`, still percent-encoded, as the client sent it), raw body
 * and `A2A-Version` header: JSON is parsed once here, nesting bounded before
 * it, and anything that cannot be an A2A operation is refused with the answer
 * the runtime would give (A2A §9.4, §11.6). Never throws.
 */
export function readA2aRequest(method: string, rawPath: string, raw: Buffer | undefined, a2aVersionHeader: string | undefined, bodyError?: AgentmeshError, contentType?: string): { reading: A2aRequestReading; body: unknown } {
  const jsonRpc = method === 'POST' && pathOf(rawPath) === '/';
  // A body that is not sent as JSON is refused as the agent refuses it (docs/conformance.md): JSON-RPC
  // first of all, whatever the body; an HTTP+JSON v1 body like one that is not JSON (after authentication).
  const mediaError = bodyError === undefined ? notJson(contentType, jsonRpc ? PLAIN_JSON : A2A_JSON) : undefined;
  if (mediaError !== undefined && jsonRpc) return { reading: refused(mediaError, 'JSONRPC', null, versionOr03(a2aVersionHeader), true), body: undefined };
  if (mediaError !== undefined && raw !== undefined && raw.length > 0 && isV1RestPath(rawPath)) return { reading: classifyA2aRequest(method, rawPath, undefined, a2aVersionHeader, mediaError), body: undefined };
  // A body that could not be read at all (its Content-Encoding): refused as the agent's HTTP layer refuses it, before anything else.
  if (bodyError !== undefined) {
    const clean = pathOf(rawPath);
    // The ACP door answers in ACP's shape, as the runtime's ACP routes refuse the same body.
    const binding: A2aBinding = clean === '/acp' || clean.startsWith('/acp/') ? 'ACP' : jsonRpc ? 'JSONRPC' : 'HTTP+JSON';
    return { reading: refused(httpLayerError(bodyError), binding, binding === 'ACP' ? undefined : null, versionOr03(a2aVersionHeader), true), body: undefined };
  }
  if (raw === undefined || raw.length === 0) {
    if (!jsonRpc) return { reading: classifyA2aRequest(method, rawPath, undefined, a2aVersionHeader), body: undefined };
    return { reading: refused(Errors.invalidJson({ reason: 'the body is empty' }), 'JSONRPC', null, versionOr03(a2aVersionHeader), true), body: undefined };
  }
  let body: unknown;
  try {
    body = parseJsonRpcBody(raw.toString('utf8'));
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    const error = err;
    // A REST body that is not JSON: the agent's own parser answers; only JSON-RPC needs the envelope.
    if (!jsonRpc) return { reading: classifyA2aRequest(method, rawPath, undefined, a2aVersionHeader, error), body: undefined };
    return { reading: refused(error, 'JSONRPC', null, versionOr03(a2aVersionHeader), true), body: undefined };
  }
  const reading = classifyA2aRequest(method, rawPath, body, a2aVersionHeader);
  if (reading.refusal === undefined && jsonDepth(raw, MAX_JSON_DEPTH + 1) > MAX_JSON_DEPTH) {
    try {
      assertJsonDepth(raw);
    } catch (err) {
      if (!isAgentmeshError(err)) throw err;
      return { reading: refused(err, reading.binding, reading.jsonRpcId ?? null, reading.version, false), body };
    }
  }
  return { reading, body };
}

/**
 * Classifies a request to an agent. `path` is what follows `/agents/{name}`
 * (`/`, `/message:send`, `/v1/tasks/abc:cancel`, …) as sent, percent-encoded;
 * `body` the parsed JSON body, if any. A request that is no A2A operation is
 * refused: -32700/-32600/-32601 in a JSON-RPC envelope (A2A §9.4), 404 for a
 * REST path no agent serves, TASK_NOT_FOUND for an id that cannot name a task.
 */
export function classifyA2aRequest(method: string, path: string, body: unknown, a2aVersionHeader: string | undefined, bodyError?: AgentmeshError): A2aRequestReading {
  // The path as sent, a slash after it kept: `/tasks/abc/` is none of the binding's paths (A2A §11.3), and the
  // agent's router does not read it as `/tasks/abc`, so neither does the gateway (docs/gateway.md).
  const clean = pathOf(path);
  if (method === 'GET' && /^\/\.well-known\/(agent-card|agent)\.json$/.test(clean)) {
    // The card's own rule (ADR 0033): the v1.0 card unless 0.3 is asked for, or the v0.2-era agent.json is read.
    return result('GetAgentCard', { version: cardVersionOr03(a2aVersionHeader, clean.endsWith('/agent.json') ? 'agent.json' : 'agent-card.json'), binding: 'HTTP+JSON', forwardPath: clean });
  }
  if (method === 'POST' && clean === '/') return jsonRpc(body, a2aVersionHeader);
  if (clean === '/acp' || clean.startsWith('/acp/')) return acpOperation(method, clean, body);
  // REST: v1 at the agent's base, v0.3 under /v1 (A2A §11, v0.3 §3.2.3).
  const legacy = clean.startsWith('/v1/');
  const rest = legacy ? clean.slice(3) : clean;
  const version: ProtocolVersion = legacy ? '0.3' : '1.0';
  const prefix = legacy ? '/v1' : '';
  const base = { version, binding: 'HTTP+JSON' } as const;
  // The runtime's v0.3 binding serves every /v1/… path itself: what it does not know it refuses in its own words.
  const notRest = () => (legacy ? legacyNoOperation(method, clean, a2aVersionHeader) : refused(Errors.routeNotFound({ method, path: shown(clean) }), 'HTTP+JSON', undefined, version, false));
  // The agent's v0.3 binding serves no path with a slash after it (`/v1/tasks/abc/`, `/v1/tasks/`, `/v1/`).
  if (legacy && clean.charCodeAt(clean.length - 1) === 47) return notRest();
  if (bodyError !== undefined && method === 'POST' && (rest === '/message:send' || rest === '/message:stream')) return refused(bodyError, 'HTTP+JSON', undefined, version, false);
  const record = isRecord(body) ? body : undefined;
  if (method === 'POST' && rest === '/message:send') return result('SendMessage', { ...base, ...messageOf(record, version), forwardPath: clean });
  if (method === 'POST' && rest === '/message:stream') return result('SendStreamingMessage', { ...base, ...messageOf(record, version), forwardPath: clean });
  if (method === 'GET' && rest === '/tasks') return result('ListTasks', { ...base, forwardPath: clean });
  if (method === 'GET' && (rest === '/extendedAgentCard' || rest === '/card')) return result('GetExtendedAgentCard', { ...base, forwardPath: clean });
  if (!rest.startsWith('/tasks/')) return notRest();
  const segments = rest.slice('/tasks/'.length).split('/');
  if (segments.length === 1) {
    const segment = segments[0]!;
    // `/tasks/{id}:cancel`: the action is the last path segment's suffix after its last unencoded ':' (A2A §11.3).
    // Both versions also subscribe with GET: v1.0's proto maps SubscribeToTask to GET, and the SDK's REST routers
    // of both versions serve GET and POST (ADR 0062). The v0.3 router's action routes want an id before the ':'
    // (`/v1/tasks/:taskId\\:subscribe`): `GET /v1/tasks/:subscribe` is its GetTask of the task `:subscribe`.
    const lastColon = method === 'POST' || (method === 'GET' && segment.endsWith(':subscribe')) ? segment.lastIndexOf(':') : -1;
    const colon = legacy && method === 'GET' && lastColon === 0 ? -1 : lastColon;
    // `POST /tasks/:cancel` names no task, so no operation on one, as the agent's task route reads it; v0.3's router has no route for it.
    if (method === 'POST' && colon === 0) return legacy ? legacyNoOperation(method, clean, a2aVersionHeader) : routeRefusal(legacy, a2aVersionHeader, refused(agentRouteError(taskOperationUnknown(undefined)), 'HTTP+JSON', undefined, version, false));
    // `GET /tasks/:subscribe`: the agent's task route subscribes to the task '', whose id its parameter check refuses.
    if (method === 'GET' && colon === 0) return routeRefusal(legacy, a2aVersionHeader, refused(agentRouteError(emptyParamError('SubscribeToTask', { id: '' })), 'HTTP+JSON', undefined, version, false));
    // `GET /tasks/`: the agent's task route reads the task '', as for the colon first.
    if (method === 'GET' && segment === '') return routeRefusal(legacy, a2aVersionHeader, refused(agentRouteError(emptyParamError('GetTask', { id: '' })), 'HTTP+JSON', undefined, version, false));
    const action = colon >= 0 ? segment.slice(colon) : undefined;
    const taskId = taskIdOf(colon >= 0 ? segment.slice(0, colon) : segment);
    if (method === 'GET' && action === undefined) {
      if (typeof taskId !== 'string') return routeRefusal(legacy, a2aVersionHeader, taskIdRefusal(taskId, base.version));
      return result('GetTask', { ...base, taskId, forwardPath: `${prefix}/tasks/${encodeURIComponent(taskId)}` });
    }
    if ((method === 'POST' && (action === ':cancel' || action === ':subscribe')) || (method === 'GET' && action === ':subscribe')) {
      if (typeof taskId !== 'string') return routeRefusal(legacy, a2aVersionHeader, taskIdRefusal(taskId, base.version));
      return result(action === ':cancel' ? 'CancelTask' : 'SubscribeToTask', { ...base, taskId, forwardPath: `${prefix}/tasks/${encodeURIComponent(taskId)}${action}` });
    }
    // `POST /tasks/{id}%3Acancel`: an encoded ':' is the id's, so no action, and a v1 agent answers TASK_NOT_FOUND for the
    // id with the colon (no task of agentmesh's has one: UUIDs, ADR 0062). Answered so here, in the same error, not as a route.
    if (method === 'POST' && action === undefined && !legacy && ENCODED_COLON.test(segment)) {
      if (typeof taskId !== 'string') return routeRefusal(legacy, a2aVersionHeader, taskIdRefusal(taskId, base.version));
      return routeRefusal(legacy, a2aVersionHeader, refused(Errors.taskNotFound({ taskId }), 'HTTP+JSON', undefined, version, false));
    }
    // Any other POST on a task (`/tasks/{id}`, `/tasks/{id}:archive`) reaches the agent's task route, which names no
    // such operation: refused in that route's words and shape, not as a path no route serves.
    if (method === 'POST' && !legacy) {
      if (taskId === BAD_PERCENT_ENCODING) return taskIdRefusal(taskId, base.version);
      return routeRefusal(legacy, a2aVersionHeader, refused(agentRouteError(taskOperationUnknown(action?.slice(1))), 'HTTP+JSON', undefined, version, false));
    }
    return notRest();
  }
  if (segments[1] === 'pushNotificationConfigs' && segments.length <= 3) {
    const taskId = taskIdOf(segments[0]!);
    if (typeof taskId !== 'string') return routeRefusal(legacy, a2aVersionHeader, taskIdRefusal(taskId, base.version));
    // `…/pushNotificationConfigs/`: the agent's route of one config reads the config '' (GET, DELETE); no route has a POST there.
    if (segments[2] === '') {
      if (method !== 'GET' && method !== 'DELETE') return notRest();
      const operation = method === 'GET' ? 'GetTaskPushNotificationConfig' : 'DeleteTaskPushNotificationConfig';
      return routeRefusal(legacy, a2aVersionHeader, refused(agentRouteError(emptyParamError(operation, { taskId, id: '' })), 'HTTP+JSON', undefined, version, false));
    }
    const configId = segments.length === 3 ? taskIdOf(segments[2]!) : undefined;
    if (configId === BAD_PERCENT_ENCODING) return taskIdRefusal(configId, base.version);
    if (segments.length === 3 && configId === undefined) return routeRefusal(legacy, a2aVersionHeader, refused(Errors.pushConfigIdCannotExist({}), 'HTTP+JSON', undefined, version, false));
    const tail = configId === undefined ? '' : `/${encodeURIComponent(configId)}`;
    return result('PushConfig', { ...base, taskId, forwardPath: `${prefix}/tasks/${encodeURIComponent(taskId)}/pushNotificationConfigs${tail}` });
  }
  return notRest();
}

/**
 * `/agents/{name}/acp/…`: the runtime's ACP endpoint of a native agent
 * through the gateway (docs/acp.md), read as the A2A operation it is there
 * (a run is a task): creating a run or resuming one is a message send
 * (streaming in mode `stream`), reading a run or its events GetTask,
 * cancelling CancelTask, a session ListTasks. Discovery (`/ping`, `/agents`)
 * is public, like a card. Bodies are the runtime's to check against the
 * ACP document; only the mode and `agent_name` are read here.
 */
function acpOperation(method: string, clean: string, body: unknown): A2aRequestReading {
  const base = { version: '1.0', binding: 'ACP', forwardPath: clean } as const;
  const rest = clean.slice('/acp'.length);
  const record = isRecord(body) ? body : undefined;
  const mode = record?.['mode'] === 'stream' ? 'SendStreamingMessage' : 'SendMessage';
  if (method === 'GET' && (rest === '/ping' || rest === '/agents' || /^\/agents\/[^/]+$/.test(rest))) return result('GetAgentCard', base);
  if (method === 'POST' && rest === '/runs') {
    const agentName = record?.['agent_name'];
    return result(mode, { ...base, ...acpInputMessage(record?.['input']), ...(typeof agentName === 'string' && { acpAgentName: agentName }) });
  }
  const run = /^\/runs\/([^/]+)(\/cancel|\/events)?$/.exec(rest);
  if (run !== null) {
    const taskId = taskIdOf(run[1]!);
    if (typeof taskId !== 'string') return refused(Errors.taskIdCannotExist({}), 'ACP', undefined, '1.0', false);
    const forwardPath = `/acp/runs/${encodeURIComponent(taskId)}${run[2] ?? ''}`;
    if (method === 'GET' && run[2] !== '/cancel') return result('GetTask', { ...base, taskId, forwardPath });
    if (method === 'POST' && run[2] === '/cancel') return result('CancelTask', { ...base, taskId, forwardPath });
    if (method === 'POST' && run[2] === undefined) return result(mode, { ...base, taskId, forwardPath });
  }
  if (method === 'GET' && /^\/session\/[^/]+$/.test(rest)) return result('ListTasks', base);
  return refused(Errors.routeNotFound({ method, path: shown(clean) }), 'ACP', undefined, '1.0', false);
}

/**
 * A new run's input as the A2A message the runtime makes of it (v1 JSON),
 * for pricing, the PII policy and the credit hold's key (a fresh message id:
 * ACP messages have none). None when the input is not ACP messages (the
 * runtime refuses that body).
 */
function acpInputMessage(input: unknown): { message?: Record<string, unknown> } {
  // No cap on the count (the body limit bounds it): a run the gateway could not price must not run unheld.
  if (!Array.isArray(input)) return {};
  if (!input.every((m) => m !== null && typeof m === 'object' && Array.isArray((m as { parts?: unknown }).parts) && (m as { parts: unknown[] }).parts.every((p) => p !== null && typeof p === 'object'))) return {};
  try {
    return { message: Message.toJSON(acpInputToA2a(input as AcpMessage[], { messageId: randomUUID() })) as Record<string, unknown> };
  } catch {
    return {};
  }
}

function jsonRpc(body: unknown, header: string | undefined): A2aRequestReading {
  const jsonRpcId = jsonRpcIdOf(body);
  let envelope: JsonRpcEnvelope;
  try {
    envelope = readJsonRpcEnvelope(body);
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    const error = err;
    return refused(error, 'JSONRPC', jsonRpcId, versionOr03(header), error.code !== ErrorCodes.PROTOCOL_INVALID_PARAMS);
  }
  let explicit: ProtocolVersion | undefined;
  try {
    explicit = header === undefined || header.trim() === '' ? undefined : negotiateVersion(header);
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    return refused(err, 'JSONRPC', jsonRpcId, '0.3', false);
  }
  const v1 = JSONRPC_V1.get(envelope.method);
  const legacy = JSONRPC_V03.get(envelope.method);
  // As the runtime: an explicit version decides; without one, a v0.3 name is v0.3 and a v1 name is v1.
  const version: ProtocolVersion = explicit ?? (legacy !== undefined ? '0.3' : v1 !== undefined ? '1.0' : '0.3');
  const operation = version === '1.0' ? v1 : legacy;
  if (operation === undefined) return refused(methodNotFound(envelope.method), 'JSONRPC', jsonRpcId, version, false);
  const params = envelope.params;
  const rawTask = params?.['id'] ?? params?.['taskId'];
  const taskId = typeof rawTask === 'string' ? rawTask : undefined;
  return result(operation, {
    version,
    binding: 'JSONRPC',
    jsonRpcId: envelope.id,
    forwardPath: '/',
    ...messageOf(params, version),
    ...(taskId !== undefined && { taskId }),
  });
}

/** Errors an agent's HTTP layer (its router), not its A2A handler, would give: see {@link httpLayerError}. */
const HTTP_LAYER = new WeakSet<AgentmeshError>();

/**
 * Marks `error` as one the agent's HTTP layer would give before any A2A
 * handler runs (a path that is not valid percent-encoding, a card request
 * with a version nobody serves): over REST it is
 * rendered as the router renders it, whatever its code, so a client cannot
 * tell the gateway's refusal from the agent's.
 */
export function httpLayerError(error: AgentmeshError): AgentmeshError {
  HTTP_LAYER.add(error);
  return error;
}

/** True for an error {@link classifyA2aRequest} gave as the agent's HTTP router would (rendered as the router renders it). */
export function isHttpLayerError(error: AgentmeshError): boolean {
  return HTTP_LAYER.has(error);
}

/** Errors an agent's A2A routes give for a request no route of theirs serves: see {@link agentRouteError}. */
const AGENT_ROUTE = new WeakSet<AgentmeshError>();

/**
 * Marks `error` as one an agent's A2A route answers (not its router's 404): over REST it is rendered as
 * that route renders its errors (v1: google.rpc.Status with the A2A reason; v0.3: the bare error object),
 * whatever its code, so the answer is the same through the gateway as directly.
 */
function agentRouteError(error: AgentmeshError): AgentmeshError {
  AGENT_ROUTE.add(error);
  return error;
}

/** True for an error {@link classifyA2aRequest} gave as an agent's A2A route would (rendered as that route renders it). */
export function isAgentRouteError(error: AgentmeshError): boolean {
  return AGENT_ROUTE.has(error);
}

/**
 * `refusal` as an agent's task route gives it: after the request's version (a 0.3 client on a v1 path, a
 * 1.0 one under /v1/), which the route checks first, but after its router, which refuses a path that does
 * not decode before any route runs. Only refusals pay for the look at the version.
 */
function routeRefusal(legacy: boolean, a2aVersionHeader: string | undefined, refusal: RefusedRequest): RefusedRequest {
  if (refusal.refusal !== undefined && isHttpLayerError(refusal.refusal)) return refusal;
  return taskRouteVersionRefusal(legacy, a2aVersionHeader) ?? refusal;
}

/**
 * The refusal an agent's task route gives a request before reading its path, for its version: under
 * `/v1/` anything but 0.3 (the v0.3 binding, in v1.0's shape), on a v1 path a 0.3 client's (the v1
 * binding only), or a version nobody serves. Undefined when the version is the route's.
 */
function taskRouteVersionRefusal(legacy: boolean, a2aVersionHeader: string | undefined): RefusedRequest | undefined {
  if (legacy) return legacyVersionRefusal(a2aVersionHeader);
  let error: AgentmeshError | undefined;
  try {
    if (negotiateVersion(a2aVersionHeader) === '0.3') error = Errors.v1RestOnly({}, { details: { supportedVersions: '1.0' } });
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    error = err;
  }
  return error === undefined ? undefined : refused(agentRouteError(error), 'HTTP+JSON', undefined, '1.0', false);
}

/**
 * The agent's parameter check of `operation` for a path parameter left empty: the error its route answers
 * `GET /tasks/:subscribe`, `GET /tasks/` or `GET /tasks/{id}/pushNotificationConfigs/` with.
 */
function emptyParamError(operation: 'SubscribeToTask' | 'GetTask' | 'GetTaskPushNotificationConfig' | 'DeleteTaskPushNotificationConfig', params: Record<string, string>): AgentmeshError {
  try {
    validateParams(operation, params);
  } catch (err) {
    if (isAgentmeshError(err)) return err;
    throw err;
  }
  // Unreachable: the schema wants an id of one character at least.
  return Errors.taskIdCannotExist({});
}

/** A v0.3 path no operation of the binding has: in v1.0's shape to a client that asked for 1.0, as the runtime answers it, else in v0.3's. */
function legacyNoOperation(method: string, clean: string, a2aVersionHeader: string | undefined): RefusedRequest {
  // A path that does not decode is refused by the agent's router, before its v0.3 binding sees it.
  if (!decodes(clean)) return refused(httpLayerError(Errors.badPercentEncoding({})), 'HTTP+JSON', undefined, '0.3', false);
  return legacyVersionRefusal(a2aVersionHeader) ?? refused(agentRouteError(Errors.legacyRestNoOperation({ method, path: shown(clean) })), 'HTTP+JSON', undefined, '0.3', false);
}

/**
 * What the agent answers a `/v1/…` request of another version than 0.3 before its v0.3 router sees it: a
 * 1.0 client is told where v1.0 is, in v1.0's shape; a version nobody serves is refused in v0.3's.
 */
function legacyVersionRefusal(a2aVersionHeader: string | undefined): RefusedRequest | undefined {
  let version: ProtocolVersion;
  try {
    version = negotiateVersion(a2aVersionHeader);
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    return refused(agentRouteError(err), 'HTTP+JSON', undefined, '0.3', false);
  }
  return version === '0.3' ? undefined : refused(Errors.legacyRestNeedsVersion03({ taskPath: '/tasks/{id}' }), 'HTTP+JSON', undefined, '1.0', false);
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** What {@link taskIdOf} answers for a segment that is not valid percent-encoded UTF-8. */
export const BAD_PERCENT_ENCODING = Symbol('bad percent-encoding');

/**
 * A task id from a raw path segment, decoded once. {@link BAD_PERCENT_ENCODING}
 * when the segment is not valid percent-encoded UTF-8 (the runtime's router
 * refuses that as an invalid request, and so must the gateway); undefined when
 * it decodes but cannot name a task: control characters, or longer than
 * {@link MAX_TASK_ID_LENGTH}.
 */
export function taskIdOf(segment: string): string | undefined | typeof BAD_PERCENT_ENCODING {
  if (segment === '' || segment.length > MAX_TASK_ID_LENGTH * 3) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return BAD_PERCENT_ENCODING;
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (id.length > MAX_TASK_ID_LENGTH || LONE_SURROGATE.test(id) || /[\u0000-\u001f\u007f]/.test(id)) return undefined;
  return id;
}

function taskIdRefusal(reading: undefined | typeof BAD_PERCENT_ENCODING, version: ProtocolVersion): RefusedRequest {
  const error =
    reading === BAD_PERCENT_ENCODING
      ? httpLayerError(Errors.badPercentEncoding({}))
      : Errors.taskIdCannotExist({});
  return refused(error, 'HTTP+JSON', undefined, version, false);
}

/** The content-type refusal {@link assertJsonRequest} gives, or undefined. */
function notJson(contentType: string | undefined, accepted: string): AgentmeshError | undefined {
  try {
    assertJsonRequest(contentType, accepted);
    return undefined;
  } catch (err) {
    if (!isAgentmeshError(err)) throw err;
    return err;
  }
}

/** A path of the v1 HTTP+JSON binding: not JSON-RPC's root, ACP's door or v0.3's `/v1/`. */
function isV1RestPath(rawPath: string): boolean {
  const clean = pathOf(rawPath);
  return clean !== '/' && clean !== '/acp' && !clean.startsWith('/acp/') && !clean.startsWith('/v1/');
}

function refused(refusal: AgentmeshError, binding: A2aBinding, jsonRpcId: JsonRpcId | undefined, version: ProtocolVersion, beforeAuth: boolean): RefusedRequest {
  return { refusal, binding, version, beforeAuth, ...(jsonRpcId !== undefined && { jsonRpcId }) };
}

function cardVersionOr03(header: string | undefined, file: CardFile): ProtocolVersion {
  try {
    return negotiateCardVersion(header, file);
  } catch {
    return '0.3';
  }
}

function versionOr03(header: string | undefined): ProtocolVersion {
  try {
    return negotiateVersion(header);
  } catch {
    return '0.3';
  }
}

/** The path of `path` before its query, if it carries one, as sent (a slash after it kept); `/` for nothing at all. */
function pathOf(path: string): string {
  const q = path.indexOf('?');
  const before = q < 0 ? path : path.slice(0, q);
  return before === '' ? '/' : before;
}

/** A path for a message: cut, and decoded only where that cannot fail. */
function shown(path: string): string {
  return path.slice(0, 128);
}

/**
 * The message of a send. A v1 message is read under its fields' JSON names
 * (ProtoJSON lets a client send `message_id`): a credit hold, a follow-up's
 * `taskId` and a retry's comparison must not depend on the spelling.
 */
function messageOf(params: Record<string, unknown> | undefined, version: ProtocolVersion): { message?: Record<string, unknown> } {
  const message = params?.['message'];
  if (!isRecord(message)) return {};
  return { message: version === '1.0' ? messageInJsonNames(message) : message };
}

function result(operation: A2aOperation, rest: Omit<ClassifiedRequest, 'operation' | 'scope' | 'idempotent' | 'streaming'>): ClassifiedRequest {
  return {
    operation,
    scope: OPERATION_SCOPES[operation],
    idempotent: READS.has(operation),
    streaming: operation === 'SendStreamingMessage' || operation === 'SubscribeToTask',
    ...rest,
  };
}
