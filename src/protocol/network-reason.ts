/** Plain words for the socket errors a person can act on. */
const KNOWN: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
};

/**
 * Why a fetch failed, in a few words: `fetch failed` hides the reason in
 * `cause.code` (undici), and a deadline shows as a `TimeoutError`.
 *
 * @example
 * networkReason(err); // 'connection refused (ECONNREFUSED)'
 */
export function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
  if (code !== undefined) return `${KNOWN[code] ?? detail ?? 'network error'} (${code})`;
  return detail ?? (err instanceof Error ? err.message : String(err));
}
