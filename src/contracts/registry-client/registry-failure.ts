import { AgentmeshError, ErrorCodes, networkReason, readRestError, type ErrorCode, Errors, relayed } from '../../protocol/index.js';

/** What went wrong in one answered call, for a caller that words it its own way. */
export interface RegistryFailure {
  /** Our code from the registry's error body (`AM_ERR_HTTP_UPSTREAM_FAILED` when it names none). */
  code: ErrorCode;
  status: number;
  /** The registry's own message. */
  message: string;
  method: string;
  /** The path without its query string. */
  path: string;
  /** The agent the call was about, when it was about one. */
  agent: string | undefined;
}

/** Rewrites the message of a failed call (the CLI adds what to do); `undefined` keeps the default. */
export type RegistryFailureHint = (failure: RegistryFailure) => string | undefined;

/** The HTTP status of a registry call that failed with an answer; undefined for anything else. */
export function registryStatusOf(err: unknown): number | undefined {
  if (!(err instanceof AgentmeshError)) return undefined;
  const status = Number(err.details?.status);
  return Number.isInteger(status) ? status : undefined;
}

/** Longest message of the registry's we repeat: a broken or hostile peer's page must not flood a log line. */
const MAX_MESSAGE = 1000;

/** Statuses after which the same call may succeed later. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * The error of an answered call that failed: the registry's code, message
 * and field violations from its google.rpc.Status body (each violation on a
 * line of its own), `details.status` for callers that branch on it.
 */
export function statusFailure(base: string, call: Omit<RegistryFailure, 'code' | 'message'>, text: string, hint: RegistryFailureHint | undefined): AgentmeshError {
  const status = String(call.status);
  const body = readRestError(text);
  if (body === undefined) {
    // Not our error body (a proxy's page, an empty answer): the status says what we know.
    return Errors.registryAnswerNotOurs({ registry: base, method: call.method, path: call.path, status: call.status }, { retryable: retryableStatus(call.status), details: { status } });
  }
  const failure: RegistryFailure = { ...call, code: body.code ?? ErrorCodes.HTTP_UPSTREAM_FAILED, message: body.message?.slice(0, MAX_MESSAGE) ?? `HTTP ${call.status}` };
  let message = hint?.(failure) ?? Errors.registryAnswered.format({ registry: base, method: call.method, path: call.path, status: call.status, message: failure.message });
  // One violation per line, unless the message lists it already.
  const unlisted = body.violations.filter((v) => !message.includes(`${v.field} ${v.description}`));
  if (unlisted.length > 0) message += unlisted.map((v) => `\n  - ${v.field} ${v.description}`).join('');
  return relayed(failure.code, message, { violations: body.violations, retryable: retryableStatus(call.status), details: { status } });
}

/** undici's codes for a deadline of the connection pool (connect, headers, body). */
const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A call that got no answer: retryable, naming the registry (never the query string or the token). */
export function networkFailure(base: string, method: string, path: string, err: unknown): AgentmeshError {
  const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const timeout = (err instanceof Error && err.name === 'TimeoutError') || (typeof code === 'string' && UNDICI_TIMEOUTS.has(code));
  return (timeout ? Errors.registryTimedOut : Errors.registryUnreachable)({ registry: base, reason: networkReason(err) }, { cause: err, details: { call: `${method} ${path}` } });
}

/** An answer that is not what an agentmesh registry sends. */
export function malformed(base: string, method: string, path: string, problem: string, cause?: unknown): AgentmeshError {
  return Errors.registryAnswerMalformed({ registry: base, method, path, problem }, { cause });
}
