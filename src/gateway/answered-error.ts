import type { A2aBinding } from './policy/a2a-operation.js';
import type { AnswerTap } from './stream-task-tap.js';

/**
 * What an answer read whole by an {@link AnswerTap} says of its call, once
 * it is over: the error it carried (an error status's body, a JSON-RPC
 * `error`, a stream's error event on either binding), `null` for an error
 * status whose body carries no A2A error, undefined for a success. Only
 * JSON-RPC bodies and streams carry their errors with a success status
 * (an ACP run has an `error` member of its own). The proxy's forward step
 * and an approved call's forward read their answers with it.
 */
export function answeredError(tap: AnswerTap, binding: A2aBinding, status: number): unknown {
  tap.finish();
  if (status >= 400 || binding === 'JSONRPC' || (tap.streaming && binding === 'HTTP+JSON')) {
    if (tap.error !== undefined) return tap.error;
  }
  return status >= 400 ? null : undefined;
}
