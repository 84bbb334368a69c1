/**
 * The one error type of agentmesh, and the one table that maps its codes to
 * the A2A wire (JSON-RPC code, HTTP status, ErrorInfo reason — A2A §5.4, §9.5,
 * §11.6). Transports render errors from this table; nothing else decides a
 * wire code, so an error answers alike in every binding (CONTRIBUTING.md,
 * "One wire table for errors").
 */

/** Codes are `AM_ERR_<AREA>_<WHAT>`; never reuse a retired one. */
export const ErrorCodes = {
  // protocol / request shape
  PROTOCOL_PARSE: 'AM_ERR_PROTOCOL_PARSE',
  PROTOCOL_INVALID_REQUEST: 'AM_ERR_PROTOCOL_INVALID_REQUEST',
  PROTOCOL_METHOD_NOT_FOUND: 'AM_ERR_PROTOCOL_METHOD_NOT_FOUND',
  PROTOCOL_INVALID_PARAMS: 'AM_ERR_PROTOCOL_INVALID_PARAMS',
  PROTOCOL_VERSION_NOT_SUPPORTED: 'AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED',
  PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED: 'AM_ERR_PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED',
  /** A request body sent under a media type that is not JSON (`text/plain`): the binding's content-type error. */
  PROTOCOL_REQUEST_NOT_JSON: 'AM_ERR_PROTOCOL_REQUEST_NOT_JSON',
  PROTOCOL_UNSUPPORTED_OPERATION: 'AM_ERR_PROTOCOL_UNSUPPORTED_OPERATION',
  PROTOCOL_EXTENSION_REQUIRED: 'AM_ERR_PROTOCOL_EXTENSION_REQUIRED',
  // tasks
  TASK_NOT_FOUND: 'AM_ERR_TASK_NOT_FOUND',
  TASK_NOT_CANCELABLE: 'AM_ERR_TASK_NOT_CANCELABLE',
  /** A run's handler was stopped because its task was canceled (the reason its `ctx.signal` aborts with). */
  TASK_CANCELED: 'AM_ERR_TASK_CANCELED',
  TASK_TERMINAL: 'AM_ERR_TASK_TERMINAL',
  TASK_CONTEXT_MISMATCH: 'AM_ERR_TASK_CONTEXT_MISMATCH',
  TASK_VERSION_CONFLICT: 'AM_ERR_TASK_VERSION_CONFLICT',
  TASK_QUEUE_FULL: 'AM_ERR_TASK_QUEUE_FULL',
  TASK_INVALID_AGENT_RESPONSE: 'AM_ERR_TASK_INVALID_AGENT_RESPONSE',
  /** A skill declined its task (`ctx.reject()`): what stops the handler; the runtime ends the task REJECTED. */
  TASK_REJECTED: 'AM_ERR_TASK_REJECTED',
  // push notifications
  PUSH_NOT_SUPPORTED: 'AM_ERR_PUSH_NOT_SUPPORTED',
  PUSH_CONFIG_NOT_FOUND: 'AM_ERR_PUSH_CONFIG_NOT_FOUND',
  // agent card
  CARD_EXTENDED_NOT_CONFIGURED: 'AM_ERR_CARD_EXTENDED_NOT_CONFIGURED',
  // security
  AUTH_UNAUTHENTICATED: 'AM_ERR_AUTH_UNAUTHENTICATED',
  AUTH_FORBIDDEN: 'AM_ERR_AUTH_FORBIDDEN',
  SSRF_BLOCKED: 'AM_ERR_SSRF_BLOCKED',
  // http / platform
  HTTP_BODY_TOO_LARGE: 'AM_ERR_HTTP_BODY_TOO_LARGE',
  HTTP_NOT_FOUND: 'AM_ERR_HTTP_NOT_FOUND',
  HTTP_TIMEOUT: 'AM_ERR_HTTP_TIMEOUT',
  HTTP_UNAVAILABLE: 'AM_ERR_HTTP_UNAVAILABLE',
  CONFIG_INVALID: 'AM_ERR_CONFIG_INVALID',
  STORAGE_UNAVAILABLE: 'AM_ERR_STORAGE_UNAVAILABLE',
  INTERNAL: 'AM_ERR_INTERNAL',
  // cli
  CLI_USAGE: 'AM_ERR_CLI_USAGE',
  // http (outbound calls and media types)
  HTTP_UNSUPPORTED_MEDIA_TYPE: 'AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  HTTP_UPSTREAM_FAILED: 'AM_ERR_HTTP_UPSTREAM_FAILED',
  HTTP_UPSTREAM_TOO_LARGE: 'AM_ERR_HTTP_UPSTREAM_TOO_LARGE',
  // http (requests Node refuses before any route, answered in the same JSON: http/errors/client-errors.ts)
  HTTP_URI_TOO_LONG: 'AM_ERR_HTTP_URI_TOO_LONG',
  HTTP_HEADERS_TOO_LARGE: 'AM_ERR_HTTP_HEADERS_TOO_LARGE',
  HTTP_REQUEST_TIMEOUT: 'AM_ERR_HTTP_REQUEST_TIMEOUT',
  // registry
  REGISTRY_INVALID_ARGUMENT: 'AM_ERR_REGISTRY_INVALID_ARGUMENT',
  REGISTRY_CARD_INVALID: 'AM_ERR_REGISTRY_CARD_INVALID',
  REGISTRY_CARD_SIGNATURE_INVALID: 'AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID',
  REGISTRY_AGENT_NOT_FOUND: 'AM_ERR_REGISTRY_AGENT_NOT_FOUND',
  REGISTRY_AGENT_EXISTS: 'AM_ERR_REGISTRY_AGENT_EXISTS',
  REGISTRY_INSTANCE_NOT_FOUND: 'AM_ERR_REGISTRY_INSTANCE_NOT_FOUND',
  REGISTRY_CONFIG_NOT_FOUND: 'AM_ERR_REGISTRY_CONFIG_NOT_FOUND',
  REGISTRY_CONFIG_INVALID: 'AM_ERR_REGISTRY_CONFIG_INVALID',
  REGISTRY_REVISION_MISMATCH: 'AM_ERR_REGISTRY_REVISION_MISMATCH',
  REGISTRY_ACP_MANIFEST_INVALID: 'AM_ERR_REGISTRY_ACP_MANIFEST_INVALID',
  REGISTRY_REVIEW_NOT_FOUND: 'AM_ERR_REGISTRY_REVIEW_NOT_FOUND',
  REGISTRY_REVIEW_CONFLICT: 'AM_ERR_REGISTRY_REVIEW_CONFLICT',
  // gateway
  GATEWAY_INVALID_ARGUMENT: 'AM_ERR_GATEWAY_INVALID_ARGUMENT',
  GATEWAY_AGENT_NOT_FOUND: 'AM_ERR_GATEWAY_AGENT_NOT_FOUND',
  GATEWAY_NO_HEALTHY_INSTANCE: 'AM_ERR_GATEWAY_NO_HEALTHY_INSTANCE',
  GATEWAY_QUOTA_EXCEEDED: 'AM_ERR_GATEWAY_QUOTA_EXCEEDED',
  GATEWAY_CONCURRENCY_LIMIT: 'AM_ERR_GATEWAY_CONCURRENCY_LIMIT',
  GATEWAY_ASSERTION_INVALID: 'AM_ERR_GATEWAY_ASSERTION_INVALID',
  GATEWAY_PII_BLOCKED: 'AM_ERR_GATEWAY_PII_BLOCKED',
  GATEWAY_APPROVAL_NOT_FOUND: 'AM_ERR_GATEWAY_APPROVAL_NOT_FOUND',
  GATEWAY_APPROVAL_DECIDED: 'AM_ERR_GATEWAY_APPROVAL_DECIDED',
  GATEWAY_APPROVAL_RULE_NOT_FOUND: 'AM_ERR_GATEWAY_APPROVAL_RULE_NOT_FOUND',
  GATEWAY_APPROVAL_NOT_PARKABLE: 'AM_ERR_GATEWAY_APPROVAL_NOT_PARKABLE',
  /** A delegated call that would loop back to an agent already in its `act` chain, or whose chain is longer than allowed. */
  GATEWAY_DELEGATION_REFUSED: 'AM_ERR_GATEWAY_DELEGATION_REFUSED',
  GATEWAY_POLICY_FORBIDDEN: 'AM_ERR_GATEWAY_POLICY_FORBIDDEN',
  GATEWAY_POLICY_NOT_FOUND: 'AM_ERR_GATEWAY_POLICY_NOT_FOUND',
  GATEWAY_POLICY_INVALID: 'AM_ERR_GATEWAY_POLICY_INVALID',
  IDENTITY_CLIENT_NOT_FOUND: 'AM_ERR_IDENTITY_CLIENT_NOT_FOUND',
  IDENTITY_KEY_NOT_FOUND: 'AM_ERR_IDENTITY_KEY_NOT_FOUND',
  IDENTITY_INVALID_ARGUMENT: 'AM_ERR_IDENTITY_INVALID_ARGUMENT',
  // tenancy and credits
  TENANCY_INSUFFICIENT_CREDITS: 'AM_ERR_TENANCY_INSUFFICIENT_CREDITS',
  TENANCY_TENANT_NOT_FOUND: 'AM_ERR_TENANCY_TENANT_NOT_FOUND',
  TENANCY_INVALID_ARGUMENT: 'AM_ERR_TENANCY_INVALID_ARGUMENT',
  // audit
  AUDIT_INVALID_ARGUMENT: 'AM_ERR_AUDIT_INVALID_ARGUMENT',
  // workflows (orchestrator)
  WORKFLOW_INVALID: 'AM_ERR_WORKFLOW_INVALID',
  WORKFLOW_EXPRESSION: 'AM_ERR_WORKFLOW_EXPRESSION',
  /** A step ended without an output: its agent failed, rejected or canceled the task, or the step threw. */
  WORKFLOW_STEP_FAILED: 'AM_ERR_WORKFLOW_STEP_FAILED',
  /** A step ran past its `timeout`. */
  WORKFLOW_STEP_TIMEOUT: 'AM_ERR_WORKFLOW_STEP_TIMEOUT',
  /** More units of a map failed than its `onFailure` allows. */
  WORKFLOW_MAP_FAILED: 'AM_ERR_WORKFLOW_MAP_FAILED',
  /** A parallel step's join (`all`, `first`, `quorum`) can no longer be met. */
  WORKFLOW_PARALLEL_FAILED: 'AM_ERR_WORKFLOW_PARALLEL_FAILED',
  /** Every alternative of a fallback failed, or none applied. */
  WORKFLOW_FALLBACK_FAILED: 'AM_ERR_WORKFLOW_FALLBACK_FAILED',
  /** A workflow run ended failed or canceled; `details.failure` names the code it failed with. */
  WORKFLOW_RUN_FAILED: 'AM_ERR_WORKFLOW_RUN_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A field that failed validation, rendered as a google.rpc.BadRequest violation. */
export interface FieldViolation {
  field: string;
  description: string;
}

export interface AgentmeshErrorOptions {
  /** Shown to the client; when false the client sees a generic internal error. */
  expose?: boolean;
  /** Structured, client-safe details (ErrorInfo metadata). */
  details?: Record<string, string>;
  /** Field violations for validation errors. */
  violations?: FieldViolation[];
  /** Whether repeating the same call may succeed. */
  retryable?: boolean;
  cause?: unknown;
}

/** How one code goes out on the wire. */
export interface WireMapping {
  /** JSON-RPC error code (A2A §5.4 / §9.5). */
  jsonRpc: number;
  /** HTTP status for REST and for plain HTTP errors. */
  http: number;
  /** google.rpc.Status status name. */
  status: string;
  /** ErrorInfo reason, UPPER_SNAKE_CASE (A2A §11.6); absent for non-A2A errors. */
  reason?: string;
  /** gRPC status name where the gRPC binding departs from `status` (docs/conformance.md); otherwise `status`. */
  grpc?: string;
}

const wire = (jsonRpc: number, http: number, status: string, reason?: string, grpc?: string): WireMapping => {
  const mapping: WireMapping = reason === undefined ? { jsonRpc, http, status } : { jsonRpc, http, status, reason };
  if (grpc !== undefined) mapping.grpc = grpc;
  return mapping;
};

/** The one table from our codes to the A2A wire. */
export const WIRE: Readonly<Record<ErrorCode, WireMapping>> = Object.freeze({
  AM_ERR_PROTOCOL_PARSE: wire(-32700, 400, 'INVALID_ARGUMENT', 'PARSE_ERROR'),
  AM_ERR_PROTOCOL_INVALID_REQUEST: wire(-32600, 400, 'INVALID_ARGUMENT', 'INVALID_REQUEST'),
  AM_ERR_PROTOCOL_METHOD_NOT_FOUND: wire(-32601, 404, 'NOT_FOUND', 'METHOD_NOT_FOUND'),
  AM_ERR_PROTOCOL_INVALID_PARAMS: wire(-32602, 400, 'INVALID_ARGUMENT', 'INVALID_PARAMS'),
  // gRPC answers UNIMPLEMENTED: the service does not implement the version asked for (docs/conformance.md).
  AM_ERR_PROTOCOL_VERSION_NOT_SUPPORTED: wire(-32009, 400, 'FAILED_PRECONDITION', 'VERSION_NOT_SUPPORTED', 'UNIMPLEMENTED'),
  AM_ERR_PROTOCOL_CONTENT_TYPE_NOT_SUPPORTED: wire(-32005, 400, 'INVALID_ARGUMENT', 'CONTENT_TYPE_NOT_SUPPORTED'),
  // The request's own media type: A2A's content-type error in JSON-RPC, HTTP's 415 (RFC 9110 §15.5.16) in HTTP+JSON.
  AM_ERR_PROTOCOL_REQUEST_NOT_JSON: wire(-32005, 415, 'INVALID_ARGUMENT', 'CONTENT_TYPE_NOT_SUPPORTED'),
  AM_ERR_PROTOCOL_UNSUPPORTED_OPERATION: wire(-32004, 400, 'FAILED_PRECONDITION', 'UNSUPPORTED_OPERATION'),
  AM_ERR_PROTOCOL_EXTENSION_REQUIRED: wire(-32008, 400, 'FAILED_PRECONDITION', 'EXTENSION_SUPPORT_REQUIRED'),
  AM_ERR_TASK_NOT_FOUND: wire(-32001, 404, 'NOT_FOUND', 'TASK_NOT_FOUND'),
  AM_ERR_TASK_NOT_CANCELABLE: wire(-32002, 400, 'FAILED_PRECONDITION', 'TASK_NOT_CANCELABLE'),
  // google.rpc CANCELLED is HTTP 499 (client closed request); A2A has no reason for it.
  AM_ERR_TASK_CANCELED: wire(-32603, 499, 'CANCELLED'),
  // A message to a terminal task is an operation the task no longer supports (A2A §3.4.2).
  AM_ERR_TASK_TERMINAL: wire(-32004, 400, 'FAILED_PRECONDITION', 'UNSUPPORTED_OPERATION'),
  AM_ERR_TASK_CONTEXT_MISMATCH: wire(-32602, 400, 'INVALID_ARGUMENT', 'INVALID_PARAMS'),
  AM_ERR_TASK_VERSION_CONFLICT: wire(-32603, 409, 'ABORTED'),
  AM_ERR_TASK_QUEUE_FULL: wire(-32603, 503, 'UNAVAILABLE'),
  AM_ERR_TASK_INVALID_AGENT_RESPONSE: wire(-32006, 500, 'INTERNAL', 'INVALID_AGENT_RESPONSE'),
  // Never an answer: the runtime turns it into the task's REJECTED state. Mapped for completeness.
  AM_ERR_TASK_REJECTED: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_PUSH_NOT_SUPPORTED: wire(-32003, 400, 'FAILED_PRECONDITION', 'PUSH_NOTIFICATION_NOT_SUPPORTED'),
  AM_ERR_PUSH_CONFIG_NOT_FOUND: wire(-32001, 404, 'NOT_FOUND', 'TASK_NOT_FOUND'),
  AM_ERR_CARD_EXTENDED_NOT_CONFIGURED: wire(-32007, 400, 'FAILED_PRECONDITION', 'EXTENDED_AGENT_CARD_NOT_CONFIGURED'),
  AM_ERR_AUTH_UNAUTHENTICATED: wire(-32600, 401, 'UNAUTHENTICATED'),
  AM_ERR_AUTH_FORBIDDEN: wire(-32600, 403, 'PERMISSION_DENIED'),
  AM_ERR_SSRF_BLOCKED: wire(-32602, 400, 'INVALID_ARGUMENT', 'INVALID_PARAMS'),
  AM_ERR_HTTP_BODY_TOO_LARGE: wire(-32600, 413, 'INVALID_ARGUMENT'),
  AM_ERR_HTTP_NOT_FOUND: wire(-32601, 404, 'NOT_FOUND'),
  AM_ERR_HTTP_TIMEOUT: wire(-32603, 503, 'DEADLINE_EXCEEDED'),
  AM_ERR_HTTP_UNAVAILABLE: wire(-32603, 503, 'UNAVAILABLE'),
  AM_ERR_CONFIG_INVALID: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_STORAGE_UNAVAILABLE: wire(-32603, 503, 'UNAVAILABLE'),
  AM_ERR_INTERNAL: wire(-32603, 500, 'INTERNAL'),
  // A bad command line never reaches the wire; mapped like invalid params for completeness.
  AM_ERR_CLI_USAGE: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: wire(-32600, 415, 'INVALID_ARGUMENT'),
  // An outbound call (webhook, card fetch, probe) failed or answered too much: the peer's fault, 502.
  AM_ERR_HTTP_UPSTREAM_FAILED: wire(-32603, 502, 'UNAVAILABLE'),
  AM_ERR_HTTP_UPSTREAM_TOO_LARGE: wire(-32603, 502, 'UNAVAILABLE'),
  // The request itself is over a limit or too slow: the client's to fix, like a body over the limit (413).
  AM_ERR_HTTP_URI_TOO_LONG: wire(-32600, 414, 'INVALID_ARGUMENT'),
  AM_ERR_HTTP_HEADERS_TOO_LARGE: wire(-32600, 431, 'INVALID_ARGUMENT'),
  AM_ERR_HTTP_REQUEST_TIMEOUT: wire(-32600, 408, 'DEADLINE_EXCEEDED'),
  // The registry speaks REST only; its JSON-RPC codes exist for completeness.
  AM_ERR_REGISTRY_INVALID_ARGUMENT: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_REGISTRY_CARD_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_REGISTRY_CARD_SIGNATURE_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_REGISTRY_AGENT_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_REGISTRY_AGENT_EXISTS: wire(-32603, 409, 'ALREADY_EXISTS'),
  AM_ERR_REGISTRY_INSTANCE_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_REGISTRY_CONFIG_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_REGISTRY_CONFIG_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_REGISTRY_REVISION_MISMATCH: wire(-32603, 412, 'FAILED_PRECONDITION'),
  AM_ERR_REGISTRY_ACP_MANIFEST_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_REGISTRY_REVIEW_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_REGISTRY_REVIEW_CONFLICT: wire(-32603, 409, 'FAILED_PRECONDITION'),
  AM_ERR_GATEWAY_INVALID_ARGUMENT: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_GATEWAY_AGENT_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_GATEWAY_NO_HEALTHY_INSTANCE: wire(-32603, 503, 'UNAVAILABLE'),
  // agentmesh's own JSON-RPC codes for conditions A2A does not name (-32010…-32019).
  AM_ERR_GATEWAY_QUOTA_EXCEEDED: wire(-32011, 429, 'RESOURCE_EXHAUSTED'),
  AM_ERR_GATEWAY_CONCURRENCY_LIMIT: wire(-32012, 429, 'RESOURCE_EXHAUSTED'),
  AM_ERR_GATEWAY_ASSERTION_INVALID: wire(-32600, 401, 'UNAUTHENTICATED'),
  // A message the agent's or tenant's PII policy refuses: the request's content, so invalid params.
  AM_ERR_GATEWAY_PII_BLOCKED: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_GATEWAY_APPROVAL_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  // Approved, denied or expired already: a decision is made once (docs/approvals.md).
  AM_ERR_GATEWAY_APPROVAL_DECIDED: wire(-32603, 409, 'FAILED_PRECONDITION'),
  AM_ERR_GATEWAY_APPROVAL_RULE_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  // A call that needs an approval in a form the gateway cannot park (ACP, a bridged agent, v0.3 HTTP+JSON): refused, never let through.
  AM_ERR_GATEWAY_APPROVAL_NOT_PARKABLE: wire(-32004, 400, 'FAILED_PRECONDITION', 'UNSUPPORTED_OPERATION'),
  // The gateway's policy refuses the delegation (a loop, a chain too long): denied like a scope, retrying cannot help.
  AM_ERR_GATEWAY_DELEGATION_REFUSED: wire(-32600, 403, 'PERMISSION_DENIED'),
  // A call a policy refused (docs/policies.md): the caller's credential is fine, the call is not allowed.
  AM_ERR_GATEWAY_POLICY_FORBIDDEN: wire(-32600, 403, 'PERMISSION_DENIED'),
  AM_ERR_GATEWAY_POLICY_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  // A policy refused on write: its details name the field, and for a condition the line and column.
  AM_ERR_GATEWAY_POLICY_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_IDENTITY_CLIENT_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_IDENTITY_KEY_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_IDENTITY_INVALID_ARGUMENT: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_TENANCY_INSUFFICIENT_CREDITS: wire(-32010, 402, 'FAILED_PRECONDITION'),
  AM_ERR_TENANCY_TENANT_NOT_FOUND: wire(-32603, 404, 'NOT_FOUND'),
  AM_ERR_TENANCY_INVALID_ARGUMENT: wire(-32602, 400, 'INVALID_ARGUMENT'),
  AM_ERR_AUDIT_INVALID_ARGUMENT: wire(-32602, 400, 'INVALID_ARGUMENT'),
  // A workflow definition sent inline is a request parameter; one read from a folder is refused at load.
  AM_ERR_WORKFLOW_INVALID: wire(-32602, 400, 'INVALID_ARGUMENT', 'INVALID_PARAMS'),
  // A template that fails on the data of a run fails that step; it never reaches the wire as a request error.
  AM_ERR_WORKFLOW_EXPRESSION: wire(-32602, 400, 'INVALID_ARGUMENT'),
  // A failed step or run ends its workflow's task; it reaches clients as that failed task, never as the
  // answer to a request: mapped as the internal error that stood for it before, a timeout as a deadline.
  AM_ERR_WORKFLOW_STEP_FAILED: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_WORKFLOW_STEP_TIMEOUT: wire(-32603, 504, 'DEADLINE_EXCEEDED'),
  AM_ERR_WORKFLOW_MAP_FAILED: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_WORKFLOW_PARALLEL_FAILED: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_WORKFLOW_FALLBACK_FAILED: wire(-32603, 500, 'INTERNAL'),
  AM_ERR_WORKFLOW_RUN_FAILED: wire(-32603, 500, 'INTERNAL'),
});

/**
 * Base error of agentmesh. Match on `err.code`, never on the class.
 *
 * Errors are declared in the catalog (`Errors`, error-messages.ts) and
 * raised there by name; this class is what they make.
 *
 * @example
 * throw Errors.taskNotFound({ taskId: id }); // AM_ERR_TASK_NOT_FOUND: 'Task t-1 was not found'
 */
export class AgentmeshError extends Error {
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly details: Record<string, string> | undefined;
  readonly violations: FieldViolation[] | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: AgentmeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentmeshError';
    this.code = code;
    this.expose = options.expose ?? WIRE[code].http < 500;
    this.details = options.details;
    this.violations = options.violations;
    this.retryable = options.retryable ?? false;
  }

  /** HTTP status this error renders with. */
  get statusCode(): number {
    return WIRE[this.code].http;
  }
}

/** True when `err` is an AgentmeshError (structural, survives duplicate module copies). */
export function isAgentmeshError(err: unknown): err is AgentmeshError {
  return err instanceof AgentmeshError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AgentmeshError' && typeof (err as { code?: unknown }).code === 'string');
}
