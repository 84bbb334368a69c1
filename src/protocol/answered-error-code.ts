import { errorCodeOf } from './error-code-of.js';
import { ErrorCodes, WIRE, type ErrorCode } from './errors.js';
import { isRecord } from './narrowing.js';

/**
 * Our code for each A2A ErrorInfo reason and each JSON-RPC code, the first
 * in the wire table that goes out with it (the canonical one: a task not
 * found before a push config not found). -32603 is A2A's internal error,
 * whichever of our codes also goes out as it.
 */
const BY_REASON = new Map<string, ErrorCode>();
const BY_JSON_RPC = new Map<number, ErrorCode>([[-32603, ErrorCodes.INTERNAL]]);
for (const code of Object.values(ErrorCodes)) {
  const mapping = WIRE[code];
  if (mapping.reason !== undefined && !BY_REASON.has(mapping.reason)) BY_REASON.set(mapping.reason, code);
  if (!BY_JSON_RPC.has(mapping.jsonRpc)) BY_JSON_RPC.set(mapping.jsonRpc, code);
}

/**
 * Our code for an A2A error an agent answered with: a JSON-RPC error object
 * (A2A §9.5, its ErrorInfo in `data`) or a google.rpc.Status's `error`
 * (A2A §11.6, in `details`). In order: the code an agentmesh agent puts in
 * the ErrorInfo's metadata, the code of the ErrorInfo's A2A reason, the
 * code of the JSON-RPC code (an A2A 0.3 agent sends no ErrorInfo);
 * undefined when none is known.
 *
 * @example
 * answeredErrorCode({ code: -32001, message: 'Task t was not found' }); // 'AM_ERR_TASK_NOT_FOUND'
 */
export function answeredErrorCode(error: unknown): ErrorCode | undefined {
  if (!isRecord(error)) return undefined;
  const details = Array.isArray(error['data']) ? error['data'] : Array.isArray(error['details']) ? error['details'] : [];
  let byReason: ErrorCode | undefined;
  for (const detail of details) {
    if (!isRecord(detail)) continue;
    const metadata = detail['metadata'];
    const own = isRecord(metadata) ? errorCodeOf(metadata['code']) : undefined;
    if (own !== undefined) return own;
    const reason = detail['reason'];
    if (typeof reason === 'string') byReason ??= BY_REASON.get(reason);
  }
  if (byReason !== undefined) return byReason;
  // A google.rpc.Status's `code` is its HTTP status: only a JSON-RPC code (negative) names an error.
  const code = error['code'];
  return typeof code === 'number' && code < 0 ? BY_JSON_RPC.get(code) : undefined;
}
