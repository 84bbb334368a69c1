/**
 * Errors declared once: the code (whose wire mapping is WIRE in errors.ts),
 * the message template, and which values go out as ErrorInfo details. Call
 * sites pass values, never words, so one condition reads the same wherever
 * it is raised and whichever role raises it (the pattern of Fastify's
 * `lib/errors.js`).
 *
 * Templates name their values: `'Task {taskId} was not found'`. The values'
 * names are checked at compile time against the template, and a value listed
 * in `details` is copied into the error's details (client-safe metadata).
 *
 * What belongs here: every error a client can receive (A2A and REST
 * answers), and any raised from more than one place. A one-off message only
 * a developer or operator sees (a CLI usage line, a start-up configuration
 * problem) stays at its site, next to the check it explains.
 */
import { AgentmeshError, ErrorCodes, type AgentmeshErrorOptions, type ErrorCode } from './errors.js';

/** The names between braces in a template. */
export type TemplateValues<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | TemplateValues<Rest> : never;

/** Values of one error: each name of its template, as text or a number. */
type Values<T extends string> = [TemplateValues<T>] extends [never] ? Record<string, never> : Record<TemplateValues<T>, string | number>;

/** Options a call site may add: everything but the code, the message and the declared details. */
export type RaiseOptions = Omit<AgentmeshErrorOptions, 'details'> & { details?: Record<string, string> };

/** One declared error: call it with its values to make the error. */
export interface DeclaredError<T extends string> {
  (values: Values<T>, options?: RaiseOptions): AgentmeshError;
  readonly code: ErrorCode;
  readonly template: T;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Fills a template; a name without a value stays as written (a declaration bug the tests catch). */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

function declare<const T extends string>(code: ErrorCode, template: T, declared: { details?: readonly TemplateValues<T>[]; expose?: boolean; retryable?: boolean } = {}): DeclaredError<T> {
  const raise = (values: Values<T>, options: RaiseOptions = {}): AgentmeshError => {
    const filled = values as Readonly<Record<string, string | number>>;
    let details = options.details;
    if (declared.details !== undefined && declared.details.length > 0) {
      details = { ...details };
      for (const name of declared.details) details[name] = String(filled[name]);
    }
    return new AgentmeshError(code, fillTemplate(template, filled), {
      ...(declared.expose !== undefined && { expose: declared.expose }),
      ...(declared.retryable !== undefined && { retryable: declared.retryable }),
      ...options,
      ...(details !== undefined && { details }),
    });
  };
  return Object.assign(raise, { code, template });
}

/** The catalog, by area. Names say the condition, not the code. */
export const Errors = {
  // requests
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
  v1RestOnly: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, 'The HTTP+JSON binding here serves A2A 1.0; send A2A-Version: 1.0, or use the JSON-RPC binding for 0.3'),

  // agents
  agentNotHostedHere: declare(ErrorCodes.HTTP_NOT_FOUND, 'No agent named {agent} here'),
  agentAtCapacity: declare(ErrorCodes.TASK_QUEUE_FULL, 'Agent {agent} is at capacity: {maxConcurrentTasks} tasks running and {queueLimit} queued; retry later', { details: ['agent', 'maxConcurrentTasks', 'queueLimit'], expose: true, retryable: true }),
  skillIdRequired: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: message.metadata.skillId is required by agent {agent}; one of {skills}'),
  extendedCardNeedsAuth: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The extended agent card requires an authenticated caller'),
  streamingNotSupported: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Agent {agent} does not support streaming'),
  pushNotSupported: declare(ErrorCodes.PUSH_NOT_SUPPORTED, 'Agent {agent} does not support push notifications'),
  noExtendedCard: declare(ErrorCodes.CARD_EXTENDED_NOT_CONFIGURED, 'Agent {agent} has no extended agent card'),

  // tasks
  taskNotFound: declare(ErrorCodes.TASK_NOT_FOUND, 'Task {taskId} was not found', { details: ['taskId'] }),
  taskVersionConflict: declare(ErrorCodes.TASK_VERSION_CONFLICT, 'Task {taskId} changed since version {expected}', { details: ['taskId'], retryable: true }),
  taskCanceled: declare(ErrorCodes.TASK_CANCELED, 'Task was canceled', { expose: true }),
  taskNotCancelable: declare(ErrorCodes.TASK_NOT_CANCELABLE, 'Task {taskId} is {state} and can no longer be canceled', { details: ['taskId', 'state'] }),
  taskClosedToMessages: declare(ErrorCodes.TASK_TERMINAL, 'Task {taskId} is {state}; it accepts no more messages. Start a new task (same contextId to keep the conversation).', { details: ['taskId', 'state'] }),
  taskClosedToUpdates: declare(ErrorCodes.TASK_TERMINAL, 'Task {taskId} is {state}; it accepts no more updates', { details: ['taskId', 'state'], expose: true }),
  taskNotWaitingForInput: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state} and is not waiting for input', { details: ['taskId', 'state'] }),
  taskMovedMeanwhile: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state}; send the message again', { details: ['taskId', 'state'] }),
  taskNothingToSubscribe: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is {state}; there is nothing to subscribe to. Use GetTask.', { details: ['taskId', 'state'] }),
  taskContextMismatch: declare(ErrorCodes.TASK_CONTEXT_MISMATCH, "Invalid parameters: message.contextId {contextId} does not match task {taskId}'s context {taskContextId}"),
  taskNotAskingYet: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} is not waiting for input right now; send your answer after it asks', { details: ['taskId'] }),
  taskTakenUpMeanwhile: declare(ErrorCodes.PROTOCOL_UNSUPPORTED_OPERATION, 'Task {taskId} was taken up by a replica meanwhile; send the message again', { details: ['taskId'], expose: true }),
  taskKeptChanging: declare(ErrorCodes.TASK_VERSION_CONFLICT, 'Task kept changing while it was written; try again', { expose: true, retryable: true }),
  skillOutputInvalid: declare(ErrorCodes.TASK_INVALID_AGENT_RESPONSE, 'Skill {skill} returned output that does not match its schema: {problem}', { expose: true }),
  taskResultInvalid: declare(ErrorCodes.TASK_INVALID_AGENT_RESPONSE, "The result of task {taskId} does not match skill {skill}'s output schema: {problem}", { expose: true }),
  skillTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'Skill {skill} timed out after {timeoutMs} ms', { expose: true }),
  pushConfigNotFound: declare(ErrorCodes.PUSH_CONFIG_NOT_FOUND, 'Push notification config {configId} of task {taskId} was not found'),
  webhookNotAllowed: declare(ErrorCodes.SSRF_BLOCKED, 'Invalid parameters: url is not an allowed webhook target: {reason}'),

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

  // the gateway's door
  agentNotReachable: declare(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, 'No agent named {quotedName} is reachable through this gateway'),
  agentNotRegistered: declare(ErrorCodes.GATEWAY_AGENT_NOT_FOUND, 'agent {agent} is not registered', { details: ['agent'] }),
  agentDisabled: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'agent {agent} is disabled at the registry', { details: ['agent'], expose: true }),
  noHealthyInstance: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'agent {agent} has no healthy instance: {why}', { details: ['agent'], expose: true, retryable: true }),
  agentTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'agent {agent} did not answer within {timeoutMs} ms', { expose: true, retryable: true }),
  agentTookTooLong: declare(ErrorCodes.HTTP_TIMEOUT, 'agent {agent} did not answer in time', { details: ['agent'], expose: true, retryable: true }),
  agentDidNotAnswer: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'agent {agent} did not answer: {why}', { expose: true, retryable: true }),
  consoleRegistryUnreachable: declare(ErrorCodes.HTTP_UNAVAILABLE, 'the registry did not answer the registration; retry shortly', { expose: true, retryable: true }),
  directoryNotLoaded: declare(ErrorCodes.HTTP_UNAVAILABLE, 'the gateway has not loaded the agent directory from the registry yet; retry shortly', { expose: true, retryable: true }),
  auditBehind: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'The audit trail is behind; retry shortly', { expose: true, retryable: true }),
  operationNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, '{operation} on {agent} needs the scope {scope}', { details: ['scope'] }),
  operationNeedsScopes: declare(ErrorCodes.AUTH_FORBIDDEN, '{operation} on {agent} needs the scopes {scope}', { details: ['scope'] }),
  adminNeedsCredential: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'this call needs a bearer token (or X-API-Key) with the {scope} scope', { details: ['scope'] }),
  delegationHeaderInvalid: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'Header {header} {description}'),
  quotaExceeded: declare(ErrorCodes.GATEWAY_QUOTA_EXCEEDED, 'Quota exceeded for {quota}: {limit} requests per minute; retry in {retryAfterSeconds} s', { details: ['quota', 'limit', 'retryAfterSeconds'], retryable: true }),
  quotaExceededWithBurst: declare(ErrorCodes.GATEWAY_QUOTA_EXCEEDED, 'Quota exceeded for {quota}: {limit} requests per minute (+{burst} burst); retry in {retryAfterSeconds} s', { details: ['quota', 'limit', 'retryAfterSeconds'], retryable: true }),
  agentConcurrencyFull: declare(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, '{agent} is running its {limit} concurrent tasks; retry shortly', { details: ['agent', 'limit'], retryable: true }),
  tenantConcurrencyShareFull: declare(ErrorCodes.GATEWAY_CONCURRENCY_LIMIT, "Tenant {tenant} holds its share ({tenantShare}) of {agent}'s {limit} concurrent calls; retry shortly", { details: ['agent', 'limit', 'tenantShare'], retryable: true }),
  piiBlocked: declare(ErrorCodes.GATEWAY_PII_BLOCKED, 'The message carries personal data this agent does not accept ({counts})'),
  requestNotForwardable: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'The request cannot be forwarded to agent {agent} as sent', { details: ['agent'] }),
  requestNotForwardableBecause: declare(ErrorCodes.GATEWAY_INVALID_ARGUMENT, 'The request cannot be forwarded to agent {agent} as sent ({reason})', { details: ['agent'] }),
  cardNeedsVersion1: declare(ErrorCodes.PROTOCOL_VERSION_NOT_SUPPORTED, 'This agent serves A2A 1.0 only: send A2A-Version: 1.0 for its card'),
  taskIdCannotExist: declare(ErrorCodes.TASK_NOT_FOUND, 'Task not found'),
  pushConfigIdCannotExist: declare(ErrorCodes.PUSH_CONFIG_NOT_FOUND, 'No such push notification config'),
  missingScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'this call needs the {scope} scope', { details: ['scope'] }),

  // identity
  clientNotFound: declare(ErrorCodes.IDENTITY_CLIENT_NOT_FOUND, 'client {clientId} does not exist', { details: ['clientId'] }),
  apiKeyNotFound: declare(ErrorCodes.IDENTITY_KEY_NOT_FOUND, 'API key {keyId} does not exist', { details: ['keyId'] }),
  keySetRefused: declare(ErrorCodes.HTTP_UNAVAILABLE, 'cannot verify {what}: its key set URL is refused by the outbound policy ({reason})', { expose: true, retryable: false }),
  keySetUnavailable: declare(ErrorCodes.HTTP_UNAVAILABLE, "cannot verify {what}: the issuer's JWKS is unavailable", { expose: true, retryable: true }),
  verificationFailed: declare(ErrorCodes.INTERNAL, 'verifying {what} failed', { expose: false }),
  noSigningKeyYet: declare(ErrorCodes.HTTP_UNAVAILABLE, 'no signing key is loaded yet', { retryable: true }),
  identityStateMissing: declare(ErrorCodes.STORAGE_UNAVAILABLE, 'identity_state has no row 1: the identity migration did not run', { expose: false }),

  // the registry
  registryAgentNotFound: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'Agent {quotedName} is not registered'),
  registryAgentExists: declare(ErrorCodes.REGISTRY_AGENT_EXISTS, 'Agent {quotedName} is already registered; PUT /v1/agents/{agent} replaces it', { details: ['agent'] }),
  registryRevisionMismatch: declare(ErrorCodes.REGISTRY_REVISION_MISMATCH, 'Agent {agent} is at revision {revision}, not {expected}; read it again and retry', { details: ['agent', 'revision'] }),
  instanceLeaseLost: declare(ErrorCodes.REGISTRY_INSTANCE_NOT_FOUND, 'Instance {instance} of {agent} holds no lease here; register it again', { details: ['agent', 'instance'] }),
  instanceNotFound: declare(ErrorCodes.REGISTRY_INSTANCE_NOT_FOUND, 'Agent {agent} has no instance {instance}', { details: ['agent', 'instance'] }),
  configNotYet: declare(ErrorCodes.REGISTRY_CONFIG_NOT_FOUND, 'Agent {agent} has no config yet; PUT /v1/agents/{agent}/config creates version 1', { details: ['agent'] }),
  configVersionNotFound: declare(ErrorCodes.REGISTRY_CONFIG_NOT_FOUND, 'Agent {agent} has no config version {version}', { details: ['agent', 'version'] }),
  registryPageSizeOutOfRange: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'pageSize must be an integer from 1 to {max}'),
  registryPageTokenUnknown: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'pageToken is not one this registry issued'),
  registryFilterTermInvalid: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'filter term {quotedTerm} is not key=value'),
  registryUnknownChangeKinds: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'unknown change kinds {unknown}; known: {known}'),
  registryBodyNameDiffers: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, "body name {bodyName} differs from the path's {pathName}"),
  registryIfMatchInvalid: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'If-Match must be a revision ETag like "3"'),
  registryConfigSchemaMismatch: declare(ErrorCodes.REGISTRY_CONFIG_INVALID, "The config does not match {agent}'s config schema: {problems}"),
  cardUrlNotHttp: declare(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'The card URL {quotedUrl} is not an absolute http(s) URL'),
  // What was fetched (`The agent card`, `The ACP agent list`) is a value: the ACP intake shares the fetch.
  fetchedTooLarge: declare(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE, '{What} at {target} is larger than the {maxBytes}-byte limit', { details: ['target', 'maxBytes'], expose: true }),
  notAnAgentCard: declare(ErrorCodes.REGISTRY_CARD_INVALID, 'The answer from {location} is not an agent card: it {description}'),
  cardNotSigned: declare(ErrorCodes.REGISTRY_CARD_SIGNATURE_INVALID, 'The agent card is not signed, and this registry accepts only signed cards (A2A §8.4)'),
  cardInterfaceRefused: declare(ErrorCodes.SSRF_BLOCKED, "The agent card's {field} is refused: {reason}", { details: ['field'] }),
  registryTokenInvalid: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The bearer token is not valid for this registry'),
  registryWriteNeedsToken: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'Registry writes need a bearer token with the {scope} scope', { details: ['scope'] }),
  registryWriteNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'This call needs the {scope} scope', { details: ['scope'] }),

  // credits
  insufficientCredits: declare(ErrorCodes.TENANCY_INSUFFICIENT_CREDITS, 'Tenant {tenant} has {balance} milli-credits available; this call needs {needed}', { details: ['tenant', 'balance', 'needed'] }),
  creditsNeedToken: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'The credits API needs a bearer token'),
  creditsOfOtherTenant: declare(ErrorCodes.AUTH_FORBIDDEN, 'Reading the credits of tenant {tenant} needs a principal of that tenant or the {scope} scope', { details: ['scope', 'tenant'] }),
  topUpNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'Top-ups need the {scope} scope', { details: ['scope'] }),

  // the gateway's assertion, as an agent checks it
  assertionInvalid: declare(ErrorCodes.GATEWAY_ASSERTION_INVALID, 'The gateway assertion is not valid: {reason}', { details: ['reason'] }),
  assertionMissing: declare(ErrorCodes.GATEWAY_ASSERTION_INVALID, 'This agent is reached through the agentmesh gateway only: the call carries no gateway assertion'),
  assertionWithoutTenant: declare(ErrorCodes.GATEWAY_ASSERTION_INVALID, 'The gateway assertion carries no tenant'),

  // callers
  pushSignatureRejected: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'Push notification signature rejected: {problem}'),
  agentNeedsCredential: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'This agent needs a bearer token (OAuth 2.0 client credentials from /oauth/token) or an X-API-Key'),
  delegationNeedsScope: declare(ErrorCodes.AUTH_FORBIDDEN, 'Calling on behalf of a tenant ({header}) needs the scope {scope}', { details: ['scope'] }),

  // the orchestrator
  orchestratorAgentUnknown: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'No agent {agent} in the registry', { expose: true }),
  orchestratorAgentWithoutInstance: declare(ErrorCodes.GATEWAY_NO_HEALTHY_INSTANCE, 'Agent {agent} has no instance', { expose: true, retryable: true }),
  workflowEnded: declare(ErrorCodes.INTERNAL, 'Workflow {workflow} {status}: {reason}', { expose: true }),
  workflowResumeRefused: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'Invalid parameters: run {runId} {description}', { expose: true }),
  workflowNeedsTenant: declare(ErrorCodes.AUTH_UNAUTHENTICATED, 'A workflow runs on behalf of a tenant: call the orchestrator through the gateway', { expose: true }),
  routeNeedsTenant: declare(ErrorCodes.AUTH_UNAUTHENTICATED, "The request carries no tenant: call the orchestrator through the gateway (or configure the route skill's anonymousTenant).", { expose: true }),
  routeNoAgent: declare(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, 'No agent for this: {reason}. {hint}', { expose: true }),
  routeNoChoice: declare(ErrorCodes.PROTOCOL_INVALID_PARAMS, 'No choice could be read from the answers; answer with a number or one of {candidates}, or name the agent in message.metadata["agentmesh.route"].agent.', { expose: true }),
  routeWorkflowUnavailable: declare(ErrorCodes.CONFIG_INVALID, 'Workflow {workflow} fits, but this router cannot start it', { expose: true }),

  // outbound calls
  outboundRefused: declare(ErrorCodes.SSRF_BLOCKED, 'Outbound request to {target} refused: {reason}', { details: ['target'] }),
  outboundTooLarge: declare(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE, 'Response from {target} is larger than the {maxBytes}-byte limit', { details: ['target', 'maxBytes'], expose: true }),
  outboundTimedOut: declare(ErrorCodes.HTTP_TIMEOUT, 'Request to {target} timed out after {timeoutMs} ms', { details: ['target', 'timeoutMs'], expose: true, retryable: true }),
  tooManyRedirects: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Request to {target} was redirected more than {maxRedirects} times', { details: ['target'], expose: true }),
  outboundFailed: declare(ErrorCodes.HTTP_UPSTREAM_FAILED, 'Request to {target} failed: {reason}', { details: ['target'], expose: true, retryable: true }),

  // server
  shuttingDown: declare(ErrorCodes.HTTP_UNAVAILABLE, 'The server is shutting down; retry on another instance', { expose: true, retryable: true }),
  serverTookTooLong: declare(ErrorCodes.HTTP_TIMEOUT, 'The server did not answer in time', { expose: true, retryable: true }),
  runtimeShuttingDown: declare(ErrorCodes.HTTP_UNAVAILABLE, 'runtime shutting down', { expose: true, retryable: true }),
} as const;
