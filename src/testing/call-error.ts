import { isRecord, type FieldViolation } from '../protocol/index.js';

/** A JSON-RPC error object as the agent answered it. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An A2A call the agent refused (a JSON-RPC error): invalid input, an
 * unknown skill, a task that is not waiting for input… The fields come from
 * the error's `google.rpc` details, so tests can match on them.
 *
 * @example
 * await assert.rejects(agent.send({ data: { topK: 50 } }), (err: A2ACallError) => err.code === -32602 && /topK/.test(err.message));
 */
export class A2ACallError extends Error {
  override readonly name = 'A2ACallError';
  /** JSON-RPC error code (A2A §5.4), e.g. -32602 invalid params, -32001 task not found. */
  readonly code: number;
  /** The `google.rpc.ErrorInfo` reason, e.g. `INVALID_PARAMS`, `TASK_NOT_FOUND`; undefined when absent. */
  readonly reason: string | undefined;
  /** agentmesh's error code (`AM_ERR_…`, see ErrorCodes); undefined when absent. */
  readonly agentmeshCode: string | undefined;
  /** The fields the agent named as invalid (`google.rpc.BadRequest`). */
  readonly violations: FieldViolation[];
  /** The raw JSON-RPC error. */
  readonly error: JsonRpcErrorObject;

  constructor(method: string, error: JsonRpcErrorObject) {
    super(`${method} failed: ${error.message} (JSON-RPC ${error.code})`);
    this.error = error;
    this.code = error.code;
    const details = Array.isArray(error.data) ? error.data.filter(isRecord) : [];
    const info = details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
    this.reason = typeof info?.['reason'] === 'string' ? info['reason'] : undefined;
    const metadata = info?.['metadata'];
    this.agentmeshCode = isRecord(metadata) && typeof metadata['code'] === 'string' ? metadata['code'] : undefined;
    const bad = details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest');
    const violations: unknown = bad?.['fieldViolations'];
    this.violations = Array.isArray(violations) ? violations.filter(isFieldViolation) : [];
  }
}

function isFieldViolation(value: unknown): value is FieldViolation {
  return isRecord(value) && typeof value['field'] === 'string' && typeof value['description'] === 'string';
}
