import { A2AError } from '@a2a-js/sdk/errors';
import {
  GRPC_STATUS_CODE,
  GrpcContentTypeNotSupportedError,
  GrpcExtendedAgentCardNotConfiguredError,
  GrpcExtensionSupportRequiredError,
  GrpcInvalidAgentResponseError,
  GrpcPushNotificationNotSupportedError,
  GrpcRequestMalformedError,
  GrpcTaskNotCancelableError,
  GrpcTaskNotFoundError,
  GrpcUnsupportedOperationError,
  GrpcVersionNotSupportedError,
  type GrpcA2AErrorOptions,
} from '@a2a-js/sdk/errors/grpc';
import { WIRE, normalizeError, type AgentmeshError } from '../../protocol/index.js';

type GrpcErrorClass = new (options?: GrpcA2AErrorOptions) => A2AError;

/**
 * A2A error reasons (A2A §5.4) → the SDK's gRPC error classes: the SDK's
 * server turns these into the §5.4 status and a `google.rpc.ErrorInfo` in
 * `grpc-status-details-bin`, and its client back into the same classes.
 */
const BY_REASON: Readonly<Record<string, GrpcErrorClass>> = {
  TASK_NOT_FOUND: GrpcTaskNotFoundError,
  TASK_NOT_CANCELABLE: GrpcTaskNotCancelableError,
  PUSH_NOTIFICATION_NOT_SUPPORTED: GrpcPushNotificationNotSupportedError,
  UNSUPPORTED_OPERATION: GrpcUnsupportedOperationError,
  CONTENT_TYPE_NOT_SUPPORTED: GrpcContentTypeNotSupportedError,
  INVALID_AGENT_RESPONSE: GrpcInvalidAgentResponseError,
  EXTENDED_AGENT_CARD_NOT_CONFIGURED: GrpcExtendedAgentCardNotConfiguredError,
  EXTENSION_SUPPORT_REQUIRED: GrpcExtensionSupportRequiredError,
  VERSION_NOT_SUPPORTED: GrpcVersionNotSupportedError,
  // Invalid params and requests are what the SDK calls a malformed request (INVALID_ARGUMENT).
  INVALID_PARAMS: GrpcRequestMalformedError,
  INVALID_REQUEST: GrpcRequestMalformedError,
  PARSE_ERROR: GrpcRequestMalformedError,
};

/**
 * An error A2A does not name (unauthenticated, queue full, storage down):
 * the SDK's server sends its `status` and message. It carries no ErrorInfo,
 * because the SDK encodes ErrorInfo for the A2A errors only.
 */
class AgentmeshGrpcError extends A2AError {
  readonly transport = 'grpc';
  readonly status: number;
  constructor(message: string, status: number) {
    super({ message });
    this.name = 'AgentmeshGrpcError';
    this.status = status;
  }
}

/** Each gRPC status code by its google.rpc name (`NOT_FOUND`). */
const STATUS_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(GRPC_STATUS_CODE));

/**
 * Anything a handler threw → an error the SDK's gRPC server maps to the
 * status of A2A §5.4 (A2A errors) or of our error table's google.rpc status
 * (the rest, the same status the REST binding names in its body).
 * Internal errors keep their cause out of the message.
 */
export function toGrpcError(err: unknown): { error: A2AError; normalized: AgentmeshError } {
  const normalized = normalizeError(err);
  const wire = WIRE[normalized.code];
  const make = wire.reason !== undefined ? BY_REASON[wire.reason] : undefined;
  if (make) {
    const metadata: Record<string, string> = { ...(normalized.details ?? {}), code: normalized.code };
    // The table may name a gRPC status of its own (an unsupported version is UNIMPLEMENTED); else the SDK's §5.4 one.
    const status = wire.grpc === undefined ? undefined : STATUS_BY_NAME.get(wire.grpc);
    return { error: new make({ message: normalized.message, metadata, ...(status !== undefined && { status }) }), normalized };
  }
  const status = STATUS_BY_NAME.get(wire.grpc ?? wire.status) ?? GRPC_STATUS_CODE.INTERNAL;
  return { error: new AgentmeshGrpcError(normalized.message, status), normalized };
}
