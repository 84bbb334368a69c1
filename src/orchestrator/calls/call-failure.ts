import { ErrorCodes, WIRE, errorCodeOf } from '../../protocol/index.js';
import { AgentAnswerError, rpcErrorOf, type RpcError } from './json-rpc-stream.js';

/** What the caller saw of an HTTP answer before the SDK turned it into an error (its own streams' errors carry it). */
export interface ResponseNote {
  status: number;
  /** `Retry-After`, in ms from when the answer came. */
  retryAfterMs: number | undefined;
}

/**
 * Why one attempt of a call failed, and what to do about it: retry later
 * (`transient`), refresh the token once (`unauthorized`), or give up. Never
 * leaves this folder: the caller turns it into a `failed` outcome.
 */
export class CallFailure extends Error {
  readonly transient: boolean;
  readonly unauthorized: boolean;
  /** The server asked to wait this long (429/503 `Retry-After`), ms. */
  readonly retryAfterMs: number | undefined;
  /** The agentmesh code of the answer (`AM_ERR_…`), when it carried one. */
  readonly code: string | undefined;
  /** The JSON-RPC code of the answer's error, when it was one (A2A §5.4). */
  readonly envelope: number | undefined;

  constructor(message: string, o: { transient: boolean; unauthorized?: boolean; retryAfterMs?: number | undefined; code?: string | undefined; envelope?: number | undefined; cause?: unknown }) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'CallFailure';
    this.transient = o.transient;
    this.unauthorized = o.unauthorized ?? false;
    this.retryAfterMs = o.retryAfterMs;
    this.code = o.code;
    this.envelope = o.envelope;
  }
}

/** JSON-RPC codes of A2A errors that say the request itself is wrong (A2A §5.4): retrying cannot help. */
const PERMANENT_JSON_RPC = new Set([-32700, -32600, -32601, -32602, -32001, -32002, -32003, -32004, -32005, -32006, -32007, -32008, -32009, -32010]);

/**
 * Classifies what an attempt threw. In order: the HTTP status the answer
 * came with (401 → refresh; 408/409/429/5xx → transient; other 4xx → the
 * caller's fault), then the agentmesh code in the JSON-RPC error's
 * ErrorInfo (agents answer JSON-RPC errors with HTTP 200), then the
 * JSON-RPC code; anything else (connection refused or reset, a stream cut
 * short, a timeout) is transient.
 */
export function classifyFailure(err: unknown, note: ResponseNote | undefined): CallFailure {
  if (err instanceof CallFailure) return err;
  if (err instanceof AgentAnswerError) {
    if (err.status !== undefined && err.status >= 300 && err.status < 400) return new CallFailure(err.message, { transient: false, cause: err });
    note = err.status === undefined ? undefined : { status: err.status, retryAfterMs: err.retryAfterMs };
  }
  const rpc = err instanceof AgentAnswerError ? err.rpc : jsonRpcErrorOf(err);
  const message = rpc?.message ?? messageOf(err);
  const known = errorCodeOf(rpc?.code);
  const status = note !== undefined && note.status >= 400 ? note.status : known !== undefined ? WIRE[known].http : undefined;
  const retryAfterMs = note?.retryAfterMs;
  if (status === 401) return new CallFailure(message, { transient: false, unauthorized: true, code: rpc?.code, envelope: rpc?.envelope, cause: err });
  if (status !== undefined) return new CallFailure(message, { transient: status === 408 || status === 409 || status === 429 || status >= 500, retryAfterMs, code: rpc?.code, envelope: rpc?.envelope, cause: err });
  if (rpc?.envelope !== undefined) return new CallFailure(message, { transient: !PERMANENT_JSON_RPC.has(rpc.envelope), retryAfterMs, code: rpc.code, envelope: rpc.envelope, cause: err });
  if ((err as { cause?: { message?: unknown } } | undefined)?.cause?.message === 'unexpected redirect') {
    return new CallFailure('the agent answered with a redirect, which A2A calls do not follow: check its URL', { transient: false, cause: err });
  }
  return new CallFailure(`the connection failed: ${message}`, { transient: true, retryAfterMs, cause: err });
}

/** `Retry-After` as every agentmesh client reads it (kept here for this module's importers). */
export { parseRetryAfter } from '../../protocol/index.js';

/** The A2A task-not-cancelable answer (A2A §3.1.5): the task already ended. */
export function isNotCancelable(failure: CallFailure): boolean {
  return failure.code === ErrorCodes.TASK_NOT_CANCELABLE || failure.code === ErrorCodes.TASK_TERMINAL || (failure.code === undefined && /not.?cancelable/i.test(failure.message));
}

/**
 * An answer refused because the task was not asking when it came (A2A's
 * UnsupportedOperationError, -32004, what agentmesh answers a message to a
 * task that is working, or asking a question the sender never read): the task
 * moved, as a task re-run on another replica does before it asks again.
 */
export function isNotAsking(failure: CallFailure): boolean {
  return failure.code === ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION || (failure.code === undefined && failure.envelope === -32004);
}

/** The SDK rebuilds JSON-RPC errors as A2AError subclasses (`envelopeCode`, `data`); SSE errors nest one in `cause`. */
function jsonRpcErrorOf(err: unknown): RpcError | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const envelope = (e as { envelopeCode?: unknown }).envelopeCode;
    if (typeof envelope !== 'number') continue;
    return rpcErrorOf({ code: envelope, message: messageOf(e), data: (e as { data?: unknown }).data });
  }
  return undefined;
}

/** undici hides the reason of `fetch failed` in `cause` (ECONNREFUSED…); keep it. */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail !== undefined && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
}
