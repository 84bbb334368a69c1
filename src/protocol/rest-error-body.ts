import { ErrorCodes, type ErrorCode, type FieldViolation } from './errors.js';

interface StatusBody {
  error?: {
    message?: unknown;
    details?: Array<{ reason?: unknown; domain?: unknown; fieldViolations?: Array<{ field?: unknown; description?: unknown }> }>;
  };
}

/** What an agentmesh error body says, read back by a client. */
export interface RestErrorReading {
  /** Our code from the `agentmesh.dev` ErrorInfo; undefined when the body names none we know. */
  code: ErrorCode | undefined;
  message: string | undefined;
  violations: FieldViolation[];
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/**
 * Reads a google.rpc.Status error body (A2A §11.6, what {@link toRestError}
 * writes) back into our code, message and field violations; undefined when
 * the text is not such a body (a proxy's page, an empty answer).
 *
 * @example
 * readRestError('{"error":{"code":404,"message":"No agent x","details":[…]}}'); // { code: 'AM_ERR_REGISTRY_AGENT_NOT_FOUND', … }
 */
export function readRestError(text: string): RestErrorReading | undefined {
  let error: StatusBody['error'];
  try {
    error = (JSON.parse(text) as StatusBody | null)?.error;
  } catch {
    return undefined;
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const details = Array.isArray(error.details) ? error.details : [];
  const reason = details.find((d) => d?.domain === 'agentmesh.dev' && typeof d.reason === 'string')?.reason as string | undefined;
  return {
    code: reason !== undefined && KNOWN_CODES.has(reason) ? (reason as ErrorCode) : undefined,
    message: typeof error.message === 'string' ? error.message : undefined,
    violations: details.flatMap((d) => (Array.isArray(d?.fieldViolations) ? d.fieldViolations : [])).map((v) => ({ field: String(v.field), description: String(v.description) })),
  };
}
