/** Requests and their bindings: refusals before any route, of the envelope and of the body, and of the bindings the runtime serves (v0.3 REST, ACP). */
import { ErrorCodes } from '../errors.js';
import { declare } from './declare.js';

export const requestErrors = {
  // requests
  requestNotJson: declare(ErrorCodes.PROTOCOL_REQUEST_NOT_JSON, 'Content-Type {quotedType} is not supported; send the request body as {accepted}'),
  invalidJson: declare(ErrorCodes.PROTOCOL_PARSE, 'Invalid JSON payload: {reason}'),
  methodNotFound: declare(ErrorCodes.PROTOCOL_METHOD_NOT_FOUND, 'Method not found: {method}', { details: ['method'] }),
  invalidEnvelope: declare(ErrorCodes.PROTOCOL_INVALID_REQUEST, 'Request payload validation error: {reason}'),
  badPercentEncoding: declare(ErrorCodes.PROTOCOL_INVALID_REQUEST, 'The request path is not a valid URL (bad percent-encoding)'),
  routeNotFound: declare(ErrorCodes.HTTP_NOT_FOUND, 'Route {method} {path} not found'),
  nestedTooDeep: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: the request nests deeper than {limit} levels'),
  bodyTooLarge: declare(ErrorCodes.HTTP_BODY_TOO_LARGE, 'Request body is larger than the server accepts'),
  bodyNotJson: declare(ErrorCodes.PROTOCOL_PARSE, 'Request body is not valid JSON: {reason}'),
  contentCodingUnsupported: declare(ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE, 'Content-Encoding {quotedCoding} is not supported; send the body uncoded or coded with {supported}'),
  tooManyContentCodings: declare(ErrorCodes.HTTP_UNSUPPORTED_MEDIA_TYPE, 'At most {max} content codings are decoded; send the body uncoded or coded with {supported}'),
  bodyNotCodedAsSaid: declare(ErrorCodes.PROTOCOL_PARSE, 'Request body is not valid {coding} data, as its Content-Encoding says: {reason}'),
  decodedBodyTooLarge: declare(ErrorCodes.HTTP_BODY_TOO_LARGE, 'Request body is larger than {maxBytes} bytes once decoded'),
  requestNotReceivedInTime: declare(ErrorCodes.HTTP_REQUEST_TIMEOUT, 'The request was not received in time'),
  urlTooLong: declare(ErrorCodes.HTTP_URI_TOO_LONG, 'The request URL is longer than the server accepts'),
  headersTooLarge: declare(ErrorCodes.HTTP_HEADERS_TOO_LARGE, 'The request headers are larger than the server accepts'),
  notValidHttp: declare(ErrorCodes.PROTOCOL_INVALID_REQUEST, 'The request is not valid HTTP'),
  pathSegmentTooLong: declare(ErrorCodes.HTTP_NOT_FOUND, 'Nothing is found at this path: one of its segments is longer than any name or id this server has'),
  routeNotServedHere: declare(ErrorCodes.HTTP_NOT_FOUND, 'Route {method} {path} not found: this listener serves only {served}'),
  versionNotSupported: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, "A2A version '{requestedVersion}' is not supported; supported versions: 1.0, 0.3", { details: ['requestedVersion'], constants: { supportedVersions: '1.0,0.3' } }),
  skillInputInvalid: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: {field} {description} (skill {skillId})'),
  internalError: declare(ErrorCodes.INTERNAL, 'Internal error'),
  internalErrorOfRequest: declare(ErrorCodes.INTERNAL, 'Internal error (request id {requestId})'),
  storageUnavailable: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'A store this call needs is unavailable right now; retry shortly', { expose: true, retryable: true }),
  storageUnavailableOfRequest: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'A store this call needs is unavailable right now; retry shortly (request id {requestId})', { expose: true, retryable: true }),
  v1RestOnly: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, 'The HTTP+JSON binding here serves A2A 1.0; send A2A-Version: 1.0, or use the JSON-RPC binding for 0.3'),

  // server
  shuttingDown: declare(ErrorCodes.HTTP_UNAVAILABLE, 'The server is shutting down; retry on another instance', { expose: true, retryable: true }),
  serverTookTooLong: declare(ErrorCodes.HTTP_TIMEOUT, 'The server did not answer in time', { expose: true, retryable: true }),
  runtimeShuttingDown: declare(ErrorCodes.HTTP_UNAVAILABLE, 'runtime shutting down', { expose: true, retryable: true }),

  // bindings of the runtime
  legacyRestNoOperation: declare(ErrorCodes.HTTP_NOT_FOUND, 'No v0.3 HTTP+JSON operation at {method} {path}'),
  legacyRestWithoutContext: declare(ErrorCodes.INTERNAL, 'v0.3 REST request reached the SDK router without a prepared context'),
  acpRunIdMismatch: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: run_id {runId} does not match the run in the path'),
  acpRunNotAwaiting: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: run {runId} is {status}, not awaiting; only an awaiting run resumes'),
  acpSessionNotFound: declare(ErrorCodes.HTTP_NOT_FOUND, 'No such session'),
  acpBridgeAnswer: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'ACP agent {agent} answered {status}: {why}', { expose: true, retryable: true }),
  acpBridgeTooLarge: declare(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE, 'ACP agent {agent} answered more than the {maxBytes}-byte limit', { details: ['maxBytes'], expose: true }),
  acpBridgeRefused: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: the ACP agent {agent} refused the request: {why}'),
  acpBridgeOperation: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, '{operation} is not available for {agent}, a bridged ACP agent (docs/acp.md)'),
  acpBridgeVersion: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, '{agent} is a bridged ACP agent, served over A2A 1.0 and the v0.3 JSON-RPC binding only (docs/acp.md)'),
  acpAgentMismatch: declare(ErrorCodes.HTTP_NOT_FOUND, 'No agent named {given} here: this ACP endpoint serves {agent}'),
  acpAgentNotHere: declare(ErrorCodes.HTTP_NOT_FOUND, 'This ACP endpoint serves one agent, {agent}'),
  integerOutOfRange: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: {field} must be an integer from {min} to {max}'),
  legacyRestNeedsVersion03: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, 'The /v1/… paths serve the A2A 0.3 HTTP+JSON binding; for 1.0 use /message:send, {taskPath}, …', { constants: { supportedVersions: '0.3' } }),
  restTaskOperationUnknown: declare(ErrorCodes.HTTP_NOT_FOUND, 'No operation{quotedAction} on tasks; use {cancelPath} or {subscribePath}'),
  acpBodyInvalid: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: {problems}'),
} as const;
