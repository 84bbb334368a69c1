import type { AgentmeshError} from './errors.js';
import { invalidParams } from './error-messages.js';
import { Errors } from './error-messages.js';
import { errorMessage, isRecord } from './narrowing.js';

/** A JSON-RPC 2.0 request id (§4): a string, a finite number or null. */
export type JsonRpcId = string | number | null;

/** A JSON-RPC 2.0 request whose envelope is valid (its params are not yet checked against the method). */
export interface JsonRpcEnvelope {
  id: JsonRpcId;
  method: string;
  /** An object, or undefined when the request has none. */
  params: Record<string, unknown> | undefined;
  raw: Record<string, unknown>;
}

/**
 * Parses a JSON-RPC body: -32700 when it is not JSON. The one wording shared
 * by every server that speaks A2A's JSON-RPC binding (runtime, gateway), so a
 * client gets the same answer whichever it reached.
 */
export function parseJsonRpcBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Errors.invalidJson({ reason: errorMessage(err) });
  }
}

/** The request's id when it is a valid one (string, finite number or null), else null: even a -32600 answers with it (JSON-RPC 2.0 §5). */
export function jsonRpcIdOf(value: unknown): JsonRpcId {
  if (!isRecord(value)) return null;
  const id = value['id'];
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/**
 * Checks the JSON-RPC 2.0 envelope (§4): -32600 for a bad one (batches are
 * not supported by A2A), -32602 for params that are not an object.
 */
export function readJsonRpcEnvelope(value: unknown): JsonRpcEnvelope {
  if (Array.isArray(value)) throw invalidRequest('batch requests are not supported');
  if (!isRecord(value)) throw invalidRequest('the request must be a JSON-RPC 2.0 object');
  const raw = value;
  const id = raw['id'];
  if (raw['jsonrpc'] !== '2.0') throw invalidRequest('jsonrpc must be "2.0"');
  if (!(id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) throw invalidRequest('id must be a string, a number or null');
  const method = raw['method'];
  if (typeof method !== 'string' || method.length === 0) throw invalidRequest('method must be a non-empty string');
  const params = raw['params'];
  if (params !== undefined && !isRecord(params)) {
    throw invalidParams('params', 'must be an object');
  }
  return { id: id ?? null, method, params, raw };
}

/** -32601 for a method this server does not serve; the name is cut, it is the client's text. */
export function methodNotFound(method: string): AgentmeshError {
  const shown = method.slice(0, 64);
  return Errors.methodNotFound({ method: shown });
}

function invalidRequest(reason: string): AgentmeshError {
  return Errors.invalidEnvelope({ reason });
}
