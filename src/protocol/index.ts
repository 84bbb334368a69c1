/**
 * protocol: what agentmesh says on the A2A wire — error codes and their wire
 * mapping, version negotiation, request-param validation and the wording of
 * schema violations, task-state sets, a card's JSON form and its signing.
 * Wire types themselves come from `@a2a-js/sdk`.
 */
// First: on a Node.js agentmesh does not run on, this import fails with what to install, before anything below loads.
import '../node-version/check-on-import.js';
export { AgentmeshError, ErrorCodes, WIRE, isAgentmeshError } from './errors.js';
export { Errors, ERROR_AREAS, fillTemplate, invalidArgument, invalidParams, relayed, violationError, type DeclaredError, type InvalidArgumentCode, type RaiseOptions, type TemplateValues } from './error-messages.js';
export { taskOperationUnknown } from './rest-task-operation.js';
export type { ErrorCode, FieldViolation, AgentmeshErrorOptions, WireMapping } from './errors.js';
export { negotiateCardVersion, negotiateVersion, requestedVersion } from './versions.js';
export type { CardFile, ProtocolVersion } from './versions.js';
export { validateParams, checkLegacyFileBytes, messageInJsonNames, V1_METHODS } from './params-validation.js';
export { protoJsonName } from './proto-json-names.js';
export { describeSchemaError } from './schema-wording.js';
export { requireMessage, skillInputOf, skillInputOfJson, messageText, skillInputError, unknownSkillError, notUserRoleError } from './message-checks.js';
export type { SkillInput } from './message-checks.js';
export { TERMINAL_STATES, INTERRUPTED_STATES, isTerminal, isInterrupted, stateName, parseStateName } from './task-states.js';
export { callerFacingError, isClosedDatabaseError, isLoggedFailure, logAnsweredError, markLogged, normalizeError, toJsonRpcErrorObject, toRestError, toSdkError } from './wire-errors.js';
export type { AnswerLog, JsonRpcErrorObject, RestErrorBody } from './wire-errors.js';
export { parseJsonRpcBody, jsonRpcIdOf, readJsonRpcEnvelope, methodNotFound } from './jsonrpc-envelope.js';
export type { JsonRpcId, JsonRpcEnvelope } from './jsonrpc-envelope.js';
export { networkReason } from './network-reason.js';
export { parseRetryAfter } from './retry-after.js';
export { readRestError } from './rest-error-body.js';
export type { RestErrorReading } from './rest-error-body.js';
export { A2A_JSON, PLAIN_JSON, assertJsonRequest, restMediaType } from './media-types.js';
export { MAX_JSON_DEPTH, jsonDepth, assertJsonDepth, deeperThan } from './json-depth.js';
export * as jsonBytes from './json-bytes.js';
export { isRecord, isStringArray, oneOf, requireOneOf, errorMessage, errorCode, toError } from './narrowing.js';
export { canonicalJson } from './sorted-json.js';
export { deepFreeze } from './deep-freeze.js';
export { errorCodeOf } from './error-code-of.js';
export { answeredErrorCode } from './answered-error-code.js';
export { canonicalCardForm, signCardJson } from './agent-card-json.js';
export type { AgentCardJson } from './agent-card-json.js';
export { parseGrpcTarget, grpcTargetOrigin } from './grpc-target.js';
export type { GrpcTarget } from './grpc-target.js';
export { RETRY_ONLY_CLAIM, RETRY_ONLY_EXTENSION_URI, readRetryOnlyClaim, retryOnlyPayload } from './retry-only.js';
export type { RetryOnlyClaim } from './retry-only.js';
