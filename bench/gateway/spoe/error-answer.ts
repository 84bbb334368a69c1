/**
 * A refusal as HAProxy returns it for the agent (`http-request return`):
 * the status, the body in the caller's binding, and the challenge header of
 * a 401/403 — what the gateway's answerError renders, for the two bindings
 * the prototype serves (JSON-RPC in its envelope, HTTP+JSON as the HTTP
 * layer's google.rpc.Status body).
 */
import { renderHttpError } from '../../../src/http/index.js';
import { ErrorCodes, WIRE, toJsonRpcErrorObject, type AgentmeshError, type JsonRpcId } from '../../../src/protocol/index.js';

export interface ErrorAnswer {
  status: number;
  body: string;
  challenge: string | undefined;
}

/** The statuses the HAProxy config has a `return` rule for: anything else is answered 500. */
export const RETURNED_STATUSES = Object.freeze([200, 400, 401, 402, 403, 404, 413, 429, 500, 503]);

/**
 * `inBand`: a JSON-RPC protocol error the agent itself would answer (a body
 * that is no request, an unknown method), which A2A answers with HTTP 200.
 */
export function errorAnswer(error: AgentmeshError, binding: 'JSONRPC' | 'HTTP+JSON' | 'ACP', jsonRpcId: JsonRpcId | undefined, requestId: string, inBand = false): ErrorAnswer {
  const wire = binding === 'JSONRPC' && inBand ? 200 : WIRE[error.code].http;
  const status = RETURNED_STATUSES.includes(wire) ? wire : 500;
  let challenge: string | undefined;
  if (status === 401) challenge = `Bearer realm="agentmesh"${error.details?.['reason'] === 'missing' ? '' : ', error="invalid_token"'}`;
  else if (status === 403 && error.code === ErrorCodes.AUTH_FORBIDDEN) challenge = `Bearer realm="agentmesh", error="insufficient_scope", scope="${error.details?.['scope'] ?? ''}"`;
  if (binding === 'JSONRPC') return { status, challenge, body: JSON.stringify({ jsonrpc: '2.0', id: jsonRpcId ?? null, error: toJsonRpcErrorObject(error, requestId) }) };
  const rendered = renderHttpError(error, requestId);
  return { status, challenge, body: typeof rendered.body === 'string' ? rendered.body : JSON.stringify(rendered.body) };
}
