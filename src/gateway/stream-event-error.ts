import { isRecord } from '../protocol/index.js';

/**
 * The one reading of the error a stream's event carries, on every binding
 * and version: a JSON-RPC response's `error` (A2A §9.5), an HTTP+JSON
 * event `{"error":…}` (a google.rpc.Status's, A2A §11.6, with or without
 * an `event: error` line: servers send both), or, for an event typed
 * `error`, its data as it is (the SDK's v0.3 HTTP+JSON server sends the
 * bare `{code, message}` of a JSON-RPC error). An event typed `error`
 * whose data is none of these is still an error, of no known code: `{}`.
 * Undefined for an event that is no error. The same reading serves a
 * whole JSON body (not typed: `typedError` false).
 */
export function eventError(data: unknown, typedError: boolean): Record<string, unknown> | undefined {
  if (isRecord(data)) {
    const error = data['error'];
    if (isRecord(error) && !Object.hasOwn(data, 'result')) return error;
    if (typedError && typeof data['code'] === 'number') return data;
  }
  return typedError ? {} : undefined;
}
