/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds
 * or an HTTP-date. Returns the delay in milliseconds from `now`, or
 * `undefined` when the header is absent, malformed or in the past: every
 * client of agentmesh's (push delivery, the orchestrator's calls, the CLI)
 * reads a server's request to wait the same way.
 *
 * @example
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'); // undefined (past)
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  const at = Date.parse(v);
  if (Number.isNaN(at) || at < now) return undefined;
  return at - now;
}
