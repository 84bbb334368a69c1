import { answeredErrorCode } from './answered-error-code.js';
import { errorCodeOf } from './error-code-of.js';
import type { ErrorCode, FieldViolation } from './errors.js';
import { isRecord } from './narrowing.js';

/** What an agentmesh error body says, read back by a client. */
export interface RestErrorReading {
  /** Our code from the ErrorInfo (its reason, its metadata, or its A2A reason); undefined when the body names none we know. */
  code: ErrorCode | undefined;
  message: string | undefined;
  violations: FieldViolation[];
}

/**
 * Reads a google.rpc.Status error body (A2A §11.6, what {@link toRestError}
 * writes) back into our code, message and field violations; undefined when
 * the text is not such a body (a proxy's page, an empty answer).
 *
 * @example
 * readRestError('{"error":{"code":404,"message":"No agent x","details":[…]}}'); // { code: 'AM_ERR_REGISTRY_AGENT_NOT_FOUND', … }
 */
export function readRestError(text: string): RestErrorReading | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (!isRecord(error)) return undefined;
  const details = Array.isArray(error['details']) ? error['details'].filter(isRecord) : [];
  const reason = details.find((d) => d['domain'] === 'agentmesh.dev' && typeof d['reason'] === 'string')?.['reason'];
  return {
    // Our HTTP APIs' bodies name the code as their agentmesh.dev reason; the A2A REST binding's reason drops
    // the AM_ERR_ prefix, and its ErrorInfo's metadata carries the code instead.
    code: errorCodeOf(reason) ?? answeredErrorCode(error),
    message: typeof error['message'] === 'string' ? error['message'] : undefined,
    violations: details
      .flatMap((d) => (Array.isArray(d['fieldViolations']) ? d['fieldViolations'].filter(isRecord) : []))
      .map((v) => ({ field: String(v['field']), description: String(v['description']) })),
  };
}
