import { ErrorCodes, WIRE, isAgentmeshError, isClosedDatabaseError, Errors, relayed, callerFacingError } from '../../protocol/index.js';
import type { AgentmeshError, ErrorCode, FieldViolation } from '../../protocol/index.js';

/** A google.rpc.ErrorInfo detail (A2A §11.6). */
export interface ErrorInfoDetail {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** A google.rpc.BadRequest detail listing the invalid fields. */
export interface BadRequestDetail {
  '@type': 'type.googleapis.com/google.rpc.BadRequest';
  fieldViolations: FieldViolation[];
}

/** The JSON body of every HTTP error agentmesh sends (google.rpc.Status, A2A §11.6). */
export interface HttpErrorBody {
  error: {
    /** The HTTP status. */
    code: number;
    /** google.rpc status name (`NOT_FOUND`, `INVALID_ARGUMENT`, …). */
    status: string;
    message: string;
    details: Array<ErrorInfoDetail | BadRequestDetail>;
  };
}

/** What {@link renderHttpError} returns: the status to send and the JSON body. */
export interface RenderedHttpError {
  statusCode: number;
  body: HttpErrorBody;
  /** The error as agentmesh sees it (after mapping framework errors). */
  error: AgentmeshError;
  /** True when the client got a generic message and the real one must be logged. */
  internal: boolean;
}

/** ErrorInfo domain of agentmesh's own reasons (`AM_ERR_…`). */
export const AGENTMESH_ERROR_DOMAIN = 'agentmesh.dev';
/** ErrorInfo domain of A2A reasons (A2A §11.6). */
const A2A_ERROR_DOMAIN = 'a2a-protocol.org';

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

function asFrameworkError(err: unknown): FrameworkError {
  if (typeof err !== 'object' || err === null) return {};
  // Read by name: whatever threw may be any object, and each member is checked where it is used.
  const field = (name: keyof FrameworkError): unknown => Reflect.get(err, name);
  return { code: field('code'), statusCode: field('statusCode'), message: field('message'), validation: field('validation'), validationContext: field('validationContext') };
}

function violationsOf(validation: unknown, where: unknown): FieldViolation[] {
  if (!Array.isArray(validation)) return [];
  const prefix = typeof where === 'string' ? where : 'body';
  return validation.map((v: { instancePath?: unknown; message?: unknown }) => ({
    field: `${prefix}${typeof v.instancePath === 'string' ? v.instancePath.replaceAll('/', '.') : ''}`,
    description: typeof v.message === 'string' ? v.message : 'is invalid',
  }));
}

/** Status-only errors from plugins (http-errors style) mapped to our codes. */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCodes.PROTOCOL_INVALID_REQUEST,
  401: ErrorCodes.AUTH_UNAUTHENTICATED,
  403: ErrorCodes.AUTH_FORBIDDEN,
  404: ErrorCodes.HTTP_NOT_FOUND,
  408: ErrorCodes.HTTP_REQUEST_TIMEOUT,
  413: ErrorCodes.HTTP_BODY_TOO_LARGE,
  414: ErrorCodes.HTTP_URI_TOO_LONG,
  415: ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE,
  431: ErrorCodes.HTTP_HEADERS_TOO_LARGE,
  503: ErrorCodes.HTTP_UNAVAILABLE,
};

/**
 * Maps anything thrown in a request to an AgentmeshError. Fastify's own
 * errors (body too large, bad JSON, bad media type, validation, handler
 * timeout, a bad URL or an over-long path segment) get our codes and a clear message, a query on a
 * database the role already closed is the role shutting down; anything unknown becomes
 * AM_ERR_INTERNAL, unexposed, with the original as `cause`.
 */
export function toAgentmeshError(err: unknown): AgentmeshError {
  if (isAgentmeshError(err)) return err;
  const e = asFrameworkError(err);
  const message = typeof e.message === 'string' ? e.message : String(err);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.bodyTooLarge({}, { cause: err });
    // Fastify's words repeat ours ("Body is not valid JSON but content-type is set to …") and drop the parser's.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return Errors.bodyNotJson({ reason: 'it does not parse (its content-type says application/json)' }, { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return Errors.bodyNotJson({ reason: 'it is empty (its content-type says application/json)' }, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return relayed(ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE, message, { cause: err });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return relayed(ErrorCodes.PROTOCOL_INVALID_REQUEST, message, { cause: err });
    case 'FST_ERR_VALIDATION':
      return relayed(ErrorCodes.PROTOCOL_INVALID_PARAMS, message, {
        cause: err,
        violations: violationsOf(e.validation, e.validationContext),
      });
    // Raised by the router before any route (Fastify's frameworkErrors); their
    // messages echo the URL, which may carry a credential: never sent back.
    case 'FST_ERR_BAD_URL':
      return Errors.badPercentEncoding({}, { cause: err });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // A path segment over the router's limit cannot name anything: an id that cannot be valid
      // is "not found" (CONTRIBUTING.md, "Hostile input"), whichever route it aimed at.
      return Errors.pathSegmentTooLong({}, { cause: err });
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return relayed(ErrorCodes.INTERNAL, message, { cause: err, expose: false });
    case 'FST_ERR_HANDLER_TIMEOUT':
      return Errors.serverTookTooLong({}, { cause: err });
    default:
      break;
  }
  // A handler that outlived its client while the role shut down, then asked the database the role
  // had closed: the role is shutting down, not failing; the caller may retry elsewhere.
  if (isClosedDatabaseError(err)) return Errors.shuttingDown({}, { cause: err });
  // Fastify's JSON parser (secure-json-parse) throws a bare SyntaxError with statusCode 400.
  if (err instanceof SyntaxError && e.statusCode === 400) {
    return Errors.bodyNotJson({ reason: message }, { cause: err });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = BY_STATUS[e.statusCode] ?? ErrorCodes.PROTOCOL_INVALID_REQUEST;
    return relayed(code, message, { cause: err });
  }
  return relayed(ErrorCodes.INTERNAL, message, { cause: err, expose: false });
}

/** What an unexposed error says: a store's transient outage says to retry; anything else only where the log has it. */
function hiddenMessage(error: AgentmeshError, reqId: string): string {
  const shown = callerFacingError(error, reqId);
  return shown.expose ? shown.message : `Internal error (request id ${reqId})`;
}

/**
 * Renders an error as agentmesh's HTTP error: the status from the one WIRE
 * table (CONTRIBUTING.md, "One wire table for errors") and a google.rpc.Status body (A2A §11.6) whose details
 * hold an ErrorInfo with our `AM_ERR_…` reason, an ErrorInfo with the A2A
 * reason when the error is an A2A one, and a BadRequest for field violations.
 * Unexposed errors say only "Internal error (request id X)": the real message
 * belongs in the log, which the caller writes when `internal` is true.
 *
 * The root error handler of `buildHttpServer` uses it; the A2A runtime reuses
 * it for REST responses.
 *
 * @example
 * import { renderHttpError } from '../http/index.js';
 * const { statusCode, body } = renderHttpError(err, request.id);
 * reply.code(statusCode).type('application/a2a+json').send(body);
 */
export function renderHttpError(err: unknown, reqId: string): RenderedHttpError {
  const error = toAgentmeshError(err);
  const wire = WIRE[error.code];
  const internal = !error.expose;
  const metadata: Record<string, string> = internal ? { requestId: reqId } : { ...error.details, requestId: reqId };
  const details: Array<ErrorInfoDetail | BadRequestDetail> = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: error.code, domain: AGENTMESH_ERROR_DOMAIN, metadata },
  ];
  if (!internal) {
    if (wire.reason !== undefined) {
      details.push({
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: wire.reason,
        domain: A2A_ERROR_DOMAIN,
        metadata: { ...error.details },
      });
    }
    if (error.violations !== undefined && error.violations.length > 0) {
      details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: error.violations });
    }
  }
  return {
    statusCode: wire.http,
    body: {
      error: {
        code: wire.http,
        status: wire.status,
        message: internal ? hiddenMessage(error, reqId) : error.message,
        details,
      },
    },
    error,
    internal,
  };
}
