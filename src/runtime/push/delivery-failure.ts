import { ErrorCodes } from '../../protocol/index.js';
import { parseRetryAfter } from './backoff.js';

/**
 * Why a delivery attempt failed; also the `reason` label of
 * `agentmesh_push_delivery_failures_total`.
 *
 * - `network`: connection refused/reset, DNS failure, TLS error.
 * - `timeout`: no complete answer within `timeoutMs`.
 * - `server_error`: 408, 429 or 5xx: the receiver is overloaded or down.
 * - `client_error`: any other non-2xx (3xx, 4xx). Still retried: a 401/404
 *   usually means a webhook being redeployed or a credential being rotated,
 *   which its owner fixes within the retry window. Counted apart so an
 *   operator can tell a misconfigured receiver from an unavailable one.
 * - `ssrf_blocked`: the guard refused the target; never retried.
 * - `invalid`: the config or event cannot be sent at all; never retried.
 *
 * `network`, `timeout` and `server_error` mark the webhook's origin failing
 * (ADR 0027); the others concern one row. The worker also counts
 * `config_unreadable`: a sealed config the replica's secret cannot open.
 */
export type DeliveryFailureReason = 'network' | 'timeout' | 'server_error' | 'client_error' | 'ssrf_blocked' | 'invalid';

/** A failed attempt, classified. */
export interface DeliveryFailure {
  reason: DeliveryFailureReason;
  /** False for failures no retry can fix (dead-lettered at once). */
  retryable: boolean;
  /** Short, credential-free description, stored as the row's last error. */
  message: string;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** The receiver's `Retry-After`, in ms, when it sent a valid one on 429/503. */
  retryAfterMs?: number;
}

/** Classifies a non-2xx answer (RFC 9110 §15). */
export function failureFromResponse(status: number, retryAfter: string | null, now: number): DeliveryFailure {
  const server = status === 408 || status === 429 || status >= 500;
  const failure: DeliveryFailure = { reason: server ? 'server_error' : 'client_error', retryable: true, message: `HTTP ${status}`, status };
  // Retry-After is defined for 503 and 429 (RFC 9110 §10.2.3, RFC 6585 §4).
  if (status === 429 || status === 503) {
    const ms = parseRetryAfter(retryAfter, now);
    if (ms !== undefined) failure.retryAfterMs = ms;
  }
  return failure;
}

/** Classifies an error thrown by the guard's fetch, by `code` along its cause chain. */
export function failureFromError(err: unknown): DeliveryFailure {
  const chain = causes(err);
  const codes = chain.map((e) => e.code);
  if (codes.includes(ErrorCodes.SSRF_BLOCKED)) {
    const blocked = chain.find((e) => e.code === ErrorCodes.SSRF_BLOCKED);
    return { reason: 'ssrf_blocked', retryable: false, message: `target refused by the SSRF guard: ${String(blocked?.message ?? 'blocked')}` };
  }
  if (codes.includes(ErrorCodes.HTTP_TIMEOUT) || chain.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return { reason: 'timeout', retryable: true, message: 'timed out' };
  }
  // The receiver answered, but with more than an acknowledgement needs: its fault, like a 4xx.
  if (codes.includes(ErrorCodes.HTTP_UPSTREAM_TOO_LARGE)) {
    return { reason: 'client_error', retryable: true, message: 'response body over the size limit' };
  }
  // The socket error (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…) says more than the wrappers around it.
  const socket = codes.find((c): c is string => typeof c === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)$/.test(c));
  const first = chain[0];
  const detail = socket ?? String(first?.message ?? err);
  return { reason: 'network', retryable: true, message: `network error: ${detail}` };
}

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first (bounded: cause chains can be cyclic). */
function causes(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && out.length < 6) {
    out.push(current);
    current = 'cause' in current ? current.cause : undefined;
  }
  return out;
}
