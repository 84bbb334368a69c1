import type { ExchangeReply, ExchangeRequest } from '../../http/index.js';
import { renderHttpError } from '../../http/index.js';
import { isAgentRouteError, isHttpLayerError, type A2aBinding } from '../policy/a2a-operation.js';
import { toAcpError } from '../../acp/index.js';
import { ErrorCodes, WIRE, restMediaType, toJsonRpcErrorObject, toRestError, type AgentmeshError, type ErrorCode, type JsonRpcId, type ProtocolVersion } from '../../protocol/index.js';

/**
 * Errors A2A defines for the JSON-RPC binding, which an agent answers in
 * band with HTTP 200 (A2A §9.4): the gateway answers them the same way, so a
 * client cannot tell which of the two refused its request. The gateway's own
 * refusals (401, 403, 402, 429, 503, …) keep their HTTP status, which
 * clients and intermediaries act on.
 */
const IN_BAND: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.PROTOCOL_PARSE,
  ErrorCodes.PROTOCOL_INVALID_REQUEST,
  ErrorCodes.PROTOCOL_METHOD_NOT_FOUND,
  ErrorCodes.PROTOCOL_INVALID_PARAMS,
  ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED,
  ErrorCodes.PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED,
  ErrorCodes.PROTOCOL_REQUEST_NOT_JSON,
  ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION,
  ErrorCodes.TASK_NOT_FOUND,
  ErrorCodes.PUSH_CONFIG_NOT_FOUND,
]);

/**
 * Answers `error` in the caller's binding and version: a JSON-RPC envelope
 * with its id; for REST, an error an agent would give is rendered exactly as
 * the runtime renders it (v1: google.rpc.Status with the A2A reason; v0.3:
 * the bare error object), and the gateway's own as documented (A2A §11.6,
 * docs/errors.md).
 */
export function answerError(reply: ExchangeReply, request: ExchangeRequest, error: AgentmeshError, binding: A2aBinding, jsonRpcId: JsonRpcId | undefined, version: ProtocolVersion): void {
  const status = WIRE[error.code].http;
  if (status === 401) reply.header('www-authenticate', `Bearer realm="agentmesh"${error.details?.['reason'] === 'missing' ? '' : ', error="invalid_token"'}`);
  else if (status === 403 && error.code === ErrorCodes.AUTH_FORBIDDEN) reply.header('www-authenticate', `Bearer realm="agentmesh", error="insufficient_scope", scope="${error.details?.['scope'] ?? ''}"`);
  if (binding === 'ACP') {
    // ACP's Error shape, with the status of the one error table (docs/acp.md "Errors").
    const { statusCode, body } = toAcpError(error, String(request.id));
    reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(body));
    return;
  }
  if (binding === 'JSONRPC') {
    reply
      // An error of the HTTP layer (before the agent's JSON-RPC handler) keeps its status, as the agent's router answers it.
      .code(IN_BAND.has(error.code) && !isHttpLayerError(error) ? 200 : status)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ jsonrpc: '2.0', id: jsonRpcId ?? null, error: toJsonRpcErrorObject(error, String(request.id)) }));
    return;
  }
  const httpLayer = isHttpLayerError(error);
  if ((IN_BAND.has(error.code) || isAgentRouteError(error)) && !httpLayer) {
    const { statusCode, body } = toRestError(error, String(request.id));
    if (version === '0.3') reply.code(statusCode).header('content-type', 'application/json').send(JSON.stringify(legacyRestError(error, String(request.id))));
    // In the media type the client used, as the agent's v1 routes answer (docs/conformance.md).
    else reply.code(statusCode).header('content-type', restMediaType(request.headers.accept, request.headers['content-type'])).send(JSON.stringify(body));
    return;
  }
  const rendered = renderHttpError(error, String(request.id));
  if (version === '1.0' && !httpLayer) {
    reply.code(rendered.statusCode).header('content-type', restMediaType(request.headers.accept, request.headers['content-type'])).send(JSON.stringify(rendered.body));
    return;
  }
  reply.code(rendered.statusCode).send(rendered.body);
}

/** Errors the runtime's v0.3 HTTP+JSON router (the SDK's) answers from its own classes: their code and message only. */
const SDK_BARE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([ErrorCodes.TASK_NOT_FOUND, ErrorCodes.PUSH_CONFIG_NOT_FOUND]);

/** A v0.3 HTTP+JSON error body as the runtime answers it: the bare JSON-RPC error object, without `data` where the SDK's router drops it. */
function legacyRestError(error: AgentmeshError, requestId: string): unknown {
  const wire = toJsonRpcErrorObject(error, requestId);
  return SDK_BARE.has(error.code) ? { code: wire.code, message: wire.message } : wire;
}
