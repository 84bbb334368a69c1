import type { IncomingHttpHeaders } from 'node:http';

/** Why an attempt on one instance got no answer. */
export type FailureKind = 'connect_error' | 'timeout' | 'network_error';

/** One attempt that got no answer, classified. */
export interface AttemptFailure {
  kind: FailureKind;
  /** The request cannot have reached the instance: the connection failed before anything was sent. */
  notSent: boolean;
  /** Short reason for logs and the client's message (an error code, never a URL). */
  reason: string;
}

/**
 * Errors that happen while connecting, before a byte of the request is
 * written: retrying them elsewhere can never run a request twice. A reset
 * or a closed socket (ECONNRESET, UND_ERR_SOCKET) is not among them: on a
 * kept-alive connection the request may have been written and read.
 */
const BEFORE_SEND = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error codes of `err` (an AggregateError from a happy-eyeballs connect holds one per address). */
export function codesOf(err: unknown): string[] {
  const code = (err as { code?: unknown } | null)?.code;
  const nested = (err as { errors?: unknown } | null)?.errors;
  if (Array.isArray(nested) && nested.length > 0) return nested.flatMap(codesOf);
  return typeof code === 'string' ? [code] : [];
}

/** Classifies the error of an attempt that got no answer. */
export function classifyFailure(err: unknown): AttemptFailure {
  const codes = codesOf(err);
  const own = (err as { code?: unknown } | null)?.code;
  const reason = typeof own === 'string' ? own : (codes[0] ?? (err instanceof Error ? err.message : 'unknown error'));
  if (codes.length > 0 && codes.every((c) => BEFORE_SEND.has(c))) {
    return { kind: codes.includes('UND_ERR_CONNECT_TIMEOUT') ? 'timeout' : 'connect_error', notSent: true, reason };
  }
  if (codes.some((c) => TIMEOUTS.has(c))) return { kind: 'timeout', notSent: false, reason };
  return { kind: 'network_error', notSent: false, reason };
}

/** Bytes of a 503 body read to tell a refusal from an answer. */
export const REFUSAL_PROBE_BYTES = 16_384;

/**
 * Whether a 503 is a refusal before any work: a draining server closing the
 * connection (`Connection: close`, as Fastify's `return503OnClosing`), or
 * an agentmesh server turning requests away while it shuts down (its error
 * body names `AM_ERR_HTTP_UNAVAILABLE`, which the runtime raises only there
 * and for the HTTP layer's own 503s, both before a handler runs). Such a
 * request ran nowhere, so even a SendMessage may go to another instance.
 */
export function isRefusal(status: number, headers: IncomingHttpHeaders, bodyHead: Buffer | undefined): boolean {
  if (status !== 503) return false;
  if (String(headers.connection ?? '').toLowerCase().includes('close')) return true;
  return bodyHead !== undefined && bodyHead.includes('AM_ERR_HTTP_UNAVAILABLE');
}

/**
 * Whether a 5xx answer of a read may be replaced by trying another
 * instance (its body is then dropped): 502/503/504 say the instance could
 * not serve it, and reading twice is harmless. 500 and 501 are the agent's
 * own verdict, which another copy of the same code would repeat.
 */
export function mayRetryRead(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}
