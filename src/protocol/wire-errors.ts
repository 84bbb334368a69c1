import {
  ContentTypeNotSupportedError,
  ExtendedAgentCardNotConfiguredError,
  InvalidAgentResponseError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
  VersionNotSupportedError,
} from '@a2a-js/sdk/errors';
import { A2AError } from '@a2a-js/sdk/errors';
import { ErrorCodes, WIRE, isAgentmeshError, type AgentmeshError, type ErrorCode } from './errors.js';
import { Errors, relayed } from './error-messages.js';

const A2A_DOMAIN = 'a2a-protocol.org';
const OUR_DOMAIN = 'agentmesh.dev';

/** A JSON-RPC 2.0 error object (A2A §9.5). */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: Array<Record<string, unknown>>;
}

/** A google.rpc.Status body (A2A §11.6). */
export interface RestErrorBody {
  error: { code: number; status: string; message: string; details: Array<Record<string, unknown>> };
}

/**
 * Normalizes anything thrown into an AgentmeshError. Errors that were not
 * meant for clients become a generic internal error naming the request id,
 * so internals never leak (the cause goes to the log).
 */
export function normalizeError(err: unknown, requestId?: string): AgentmeshError {
  if (isAgentmeshError(err)) return callerFacingError(err, requestId);
  if (isClosedDatabaseError(err)) return Errors.shuttingDown({}, { cause: err });
  if (err instanceof A2AError) {
    const code = SDK_REASON_TO_CODE[err.reason];
    if (code) return relayed(code, err.message, { expose: true, cause: err });
  }
  return internalError(requestId, err);
}

/** What a query on a database already closed throws: Kysely's driver, and better-sqlite3's connection. */
const CLOSED_DATABASE = new Set(['driver has already been destroyed', 'The database connection is not open']);

/**
 * A query on the database its role already closed: a handler that outlived its client while the role
 * shut down. The role is shutting down, not failing; every binding answers the retryable
 * shutting-down error and logs no stack.
 */
export function isClosedDatabaseError(err: unknown): boolean {
  return err instanceof Error && CLOSED_DATABASE.has(err.message);
}

/**
 * What a binding's log must hear of an error thrown in a call: false for one the caller is told as
 * it is (exposed) and for the role shutting down; true for the rest, whose cause only the log keeps.
 */
export function isLoggedFailure(err: unknown): boolean {
  return !(isAgentmeshError(err) && err.expose) && !isClosedDatabaseError(err);
}

/** What {@link logAnsweredError} writes to: a pino logger, or any logger of its form. */
export interface AnswerLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * Errors some binding logged already: an error translated for the SDK's v0.3 transports is logged where
 * its cause is still known, and the transport that then answers with the translation logs it no more.
 */
const alreadyLogged = new WeakSet<object>();

/**
 * Marks `err` as logged: the next {@link logAnsweredError} of it writes nothing. The mark is used up by
 * that call, so an error object shared by many calls (a shared abort reason) is not silenced for the others.
 */
export function markLogged<T>(err: T): T {
  if (typeof err === 'object' && err !== null) alreadyLogged.add(err);
  return err;
}

/**
 * The one log line of an error a binding answers a call with (every binding, before and after a stream
 * opened), by its kind: a failure whose cause only the log keeps ({@link isLoggedFailure}) at error, with
 * its cause; an error the caller is told as it is with a 5xx status (queue full, a store unavailable, an
 * agent's invalid answer) at warn, with its code; the role shutting down (its database closed, or
 * unavailable) at info, with no stack; the caller's own errors (4xx) not at all. `fields` add what the
 * call is about (the task id): never a credential.
 */
export function logAnsweredError(log: AnswerLog, err: unknown, message: string, fields: Record<string, unknown> = {}): void {
  // Only what a binding marked, once: one error object may be thrown to many calls (a shared abort reason), each logging it.
  if (typeof err === 'object' && err !== null && alreadyLogged.delete(err)) return;
  if (isClosedDatabaseError(err)) return log.info({ ...fields, code: ErrorCodes.HTTP_UNAVAILABLE }, `${message}: shutting down`);
  if (isLoggedFailure(err)) return log.error({ ...fields, err }, message);
  const shown = normalizeError(err);
  if (WIRE[shown.code].http < 500) return;
  if (shown.code === ErrorCodes.HTTP_UNAVAILABLE) return log.info({ ...fields, code: shown.code }, `${message}: ${shown.message}`);
  log.warn({ ...fields, code: shown.code, error: shown.message }, message);
}

/**
 * The form a client gets of an AgentmeshError. A transient outage of a store
 * (PostgreSQL unreachable, timed out, busy) keeps its code, 503 UNAVAILABLE
 * and retryable, so the caller and the gateway in front know to retry rather
 * than report a bug; not its words, which name hosts and statements. Any
 * other error not meant for a client becomes the generic internal error
 * naming the request id (the cause goes to the log).
 */
export function callerFacingError(err: AgentmeshError, requestId?: string): AgentmeshError {
  if (err.expose) return err;
  if (err.code === ErrorCodes.STORAGE_UNAVAILABLE && err.retryable) {
    return requestId ? Errors.storageUnavailableOfRequest({ requestId }, { cause: err }) : Errors.storageUnavailable({}, { cause: err });
  }
  return internalError(requestId, err);
}

/** The generic error a client gets for one not meant for it; the request id finds the cause in the log. */
function internalError(requestId: string | undefined, cause: unknown): AgentmeshError {
  return requestId ? Errors.internalErrorOfRequest({ requestId }, { cause }) : Errors.internalError({}, { cause });
}

function details(err: AgentmeshError): Array<Record<string, unknown>> {
  const mapping = WIRE[err.code];
  const out: Array<Record<string, unknown>> = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: mapping.reason ?? err.code.replace(/^AM_ERR_/, ''),
      domain: mapping.reason && A2A_REASONS.has(mapping.reason) ? A2A_DOMAIN : OUR_DOMAIN,
      metadata: { ...(err.details ?? {}), code: err.code, timestamp: new Date().toISOString() },
    },
  ];
  if (err.violations?.length) {
    out.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: err.violations });
  }
  return out;
}

/** The JSON-RPC error object of an error (A2A §5.4 codes). */
export function toJsonRpcErrorObject(err: unknown, requestId?: string): JsonRpcErrorObject {
  const e = normalizeError(err, requestId);
  return { code: WIRE[e.code].jsonRpc, message: e.message, data: details(e) };
}

/** HTTP status and google.rpc.Status body of an error (A2A §11.6). */
export function toRestError(err: unknown, requestId?: string): { statusCode: number; body: RestErrorBody } {
  const e = normalizeError(err, requestId);
  const mapping = WIRE[e.code];
  return { statusCode: mapping.http, body: { error: { code: mapping.http, status: mapping.status, message: e.message, details: details(e) } } };
}

/**
 * The SDK error for anything thrown, for code paths that go through the SDK's v0.3 transport
 * handlers (they map SDK errors to v0.3 wire codes, and answer any other error with its own
 * message). An SDK error is the SDK's to map; ours keeps its meaning; anything else is what every
 * binding tells a client of it (the generic internal error naming `requestId`, a store's outage
 * saying to retry), never its own words, which may name paths, statements or secrets.
 */
export function toSdkError(err: unknown, requestId?: string): Error {
  if (err instanceof A2AError) return err;
  if (isAgentmeshError(err)) {
    const make = CODE_TO_SDK[err.code];
    if (make) return new make({ message: err.message, ...(err.details ? { metadata: err.details } : {}) });
  }
  return new Error(normalizeError(err, requestId).message);
}

const A2A_REASONS = new Set([
  'TASK_NOT_FOUND',
  'TASK_NOT_CANCELABLE',
  'PUSH_NOTIFICATION_NOT_SUPPORTED',
  'UNSUPPORTED_OPERATION',
  'CONTENT_TYPE_NOT_SUPPORTED',
  'INVALID_AGENT_RESPONSE',
  'EXTENDED_AGENT_CARD_NOT_CONFIGURED',
  'EXTENSION_SUPPORT_REQUIRED',
  'VERSION_NOT_SUPPORTED',
]);

type SdkErrorClass = new (options?: { message?: string; metadata?: Record<string, string> }) => Error;

const CODE_TO_SDK: Partial<Record<ErrorCode, SdkErrorClass>> = {
  AM_ERR_TASK_NOT_FOUND: TaskNotFoundError,
  AM_ERR_PUSH_CONFIG_NOT_FOUND: TaskNotFoundError,
  AM_ERR_TASK_NOT_CANCELABLE: TaskNotCancelableError,
  AM_ERR_PUSH_NOT_SUPPORTED: PushNotificationNotSupportedError,
  AM_ERR_PROTOCOL_UNSUPPORTED_OPERATION: UnsupportedOperationError,
  AM_ERR_TASK_TERMINAL: UnsupportedOperationError,
  AM_ERR_PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED: ContentTypeNotSupportedError,
  AM_ERR_TASK_INVALID_AGENT_RESPONSE: InvalidAgentResponseError,
  AM_ERR_CARD_EXTENDED_NOT_CONFIGURED: ExtendedAgentCardNotConfiguredError,
  AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED: VersionNotSupportedError,
  AM_ERR_PROTOCOL_INVALID_PARAMS: RequestMalformedError,
  AM_ERR_TASK_CONTEXT_MISMATCH: RequestMalformedError,
  AM_ERR_SSRF_BLOCKED: RequestMalformedError,
};

const SDK_REASON_TO_CODE: Record<string, ErrorCode> = {
  TASK_NOT_FOUND: ErrorCodes.TASK_NOT_FOUND,
  TASK_NOT_CANCELABLE: ErrorCodes.TASK_NOT_CANCELABLE,
  PUSH_NOTIFICATION_NOT_SUPPORTED: ErrorCodes.PUSH_NOT_SUPPORTED,
  UNSUPPORTED_OPERATION: ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION,
  CONTENT_TYPE_NOT_SUPPORTED: ErrorCodes.PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED,
  INVALID_AGENT_RESPONSE: ErrorCodes.TASK_INVALID_AGENT_RESPONSE,
  EXTENDED_AGENT_CARD_NOT_CONFIGURED: ErrorCodes.CARD_EXTENDED_NOT_CONFIGURED,
  VERSION_NOT_SUPPORTED: ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED,
  INVALID_PARAMS: ErrorCodes.PROTOCOL_INVALID_PARAMS,
  REQUEST_MALFORMED: ErrorCodes.PROTOCOL_INVALID_PARAMS,
};
