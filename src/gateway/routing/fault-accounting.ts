import { codesOf } from './attempt-failure.js';

/** Error codes of requests that never left the gateway because of what the client sent: never the instance's fault. */
const CLIENT_SIDE = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN']);

/** Connection failures that say the instance is unreachable whoever calls it. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** Which caller (tenant) an attempt's failure happened to; set by the forwarder on the error it throws into the breaker. */
export const FAILED_CALLER = Symbol('agentmesh.failedCaller');

/** An error the forwarder may annotate with its caller. */
export interface AttributedFailure {
  [FAILED_CALLER]?: string;
  code?: unknown;
  errors?: unknown;
  clientGone?: boolean;
}

/** How a failed attempt bears on the instance's breaker. */
export type FaultKind = 'not-instance' | 'unreachable' | 'inducible';

/**
 * Whose fault a failed attempt is: a client's bad request is never counted
 * as an upstream's failure, or one client could open an instance's circuit
 * for everyone (CONTRIBUTING.md, "Hostile input"):
 * - `not-instance`: the client left, or the request could not even be sent
 *   as the client framed it;
 * - `unreachable`: the instance cannot be connected to, whoever asks;
 * - `inducible`: timeouts, resets and 5xx answers: the instance's, unless
 *   one caller is provoking them (a slow or poisonous request), which
 *   {@link FaultAccounting} tells apart.
 */
export function faultKindOf(err: unknown): FaultKind {
  if (typeof err === 'object' && err !== null && 'clientGone' in err && err.clientGone === true) return 'not-instance';
  const codes = codesOf(err);
  if (codes.some((c) => CLIENT_SIDE.has(c))) return 'not-instance';
  if (codes.length > 0 && codes.every((c) => UNREACHABLE.has(c))) return 'unreachable';
  return 'inducible';
}

/**
 * Decides which failures an instance's breaker counts, so that no single
 * tenant can open it for everyone (ADR 0009). An unreachable instance
 * counts at once. A failure one caller could have provoked counts only when
 * the instance's recent failures span at least two callers: one tenant's
 * poisonous or slow requests then fail for that tenant alone, while an
 * instance failing everyone still opens after `threshold` more failures.
 */
export class FaultAccounting {
  /** The callers of the last few inducible failures, oldest first (a small ring; no long-lived Map). */
  readonly #recent: string[] = [];
  readonly #window: number;

  constructor(threshold: number) {
    this.#window = Math.max(2, threshold * 2);
  }

  /** Whether the breaker counts `err` as a failure of the instance. */
  counts(err: unknown): boolean {
    const kind = faultKindOf(err);
    if (kind === 'not-instance') return false;
    if (kind === 'unreachable') return true;
    const caller = callerOf(err);
    // A failure of the gateway's own (no caller): the instance's.
    if (caller === undefined) return true;
    this.#recent.push(caller);
    if (this.#recent.length > this.#window) this.#recent.shift();
    for (const other of this.#recent) if (other !== caller) return true;
    return false;
  }
}

/** The caller a failure was attributed to ({@link FAILED_CALLER}), if any. */
function callerOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !(FAILED_CALLER in err)) return undefined;
  const caller = err[FAILED_CALLER];
  return typeof caller === 'string' ? caller : undefined;
}
