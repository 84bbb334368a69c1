/**
 * One JSON-RPC call to an A2A endpoint, told apart the way a history needs: an answer (a result or a
 * JSON-RPC error), a request that certainly never reached the server (connection refused: `fail`),
 * or an unknown outcome (a timeout, a reset, a body cut short: `info`).
 */

/** A JSON-RPC answer's `result` or `error`, as A2A JSON (the workload walks it). */
export type A2aOutcome =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'refused'; error: string }
  | { kind: 'unknown'; error: string };

/** `cause.code` of a fetch that failed before any byte was sent. */
const NEVER_SENT = new Set(['ECONNREFUSED']);

function causeCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const cause: unknown = err.cause;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where a client sends: a runtime's agent URL, or a gateway's route to it with the client's bearer token in `headers`. */
export interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export async function a2aCall(url: string, method: string, params: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<A2aOutcome> {
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (err) {
    const code = causeCode(err);
    if (code !== undefined && NEVER_SENT.has(code)) return { kind: 'refused', error: code };
    return { kind: 'unknown', error: code ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err)) };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'unknown', error: `not JSON: ${text.slice(0, 120)}` };
  }
  if (isRecord(body) && isRecord(body.result)) return { kind: 'result', result: body.result };
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'number') return { kind: 'error', code: body.error.code, message: String(body.error.message) };
  return { kind: 'unknown', error: `neither result nor error: ${text.slice(0, 120)}` };
}

/** The `status.state` of an A2A Task, or of `{ task }`. */
export function taskOf(result: Record<string, unknown>): { id: string; state: string } | undefined {
  const task = isRecord(result.task) ? result.task : result;
  const status = task.status;
  if (typeof task.id !== 'string' || !isRecord(status) || typeof status.state !== 'string') return undefined;
  return { id: task.id, state: status.state };
}
