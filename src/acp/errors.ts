import { toRestError } from '../protocol/index.js';
import type { AcpError, AcpErrorCode } from './wire-types.js';

/**
 * An error in ACP's shape (`Error`: `server_error`, `invalid_input` or
 * `not_found`) with the HTTP status agentmesh's one error table gives it
 * (the table decides, this only words it for ACP: CONTRIBUTING.md, "One
 * wire table for errors"). The
 * agentmesh code and reason go in `data`, so a client can still tell a
 * missing credential from a bad field. Unexposed errors are a generic
 * server error naming the request id, as on the A2A bindings.
 */
export function toAcpError(err: unknown, requestId?: string): { statusCode: number; body: AcpError } {
  const { statusCode, body } = toRestError(err, requestId);
  const info = body.error.details[0] as { reason?: string; metadata?: Record<string, unknown> } | undefined;
  const data: Record<string, unknown> = { status: body.error.status };
  if (info?.reason) data['reason'] = info.reason;
  if (typeof info?.metadata?.['code'] === 'string') data['code'] = info.metadata['code'];
  const bad = body.error.details.find((d) => Array.isArray(d['fieldViolations'])) as { fieldViolations: unknown[] } | undefined;
  if (bad) data['violations'] = bad.fieldViolations;
  return { statusCode, body: { code: acpCodeOf(statusCode), message: body.error.message, data } };
}

/** The ACP error code of an HTTP status. */
export function acpCodeOf(statusCode: number): AcpErrorCode {
  if (statusCode === 404) return 'not_found';
  if (statusCode >= 400 && statusCode < 500) return 'invalid_input';
  return 'server_error';
}
