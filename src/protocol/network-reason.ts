/** Plain words for the socket errors a person can act on. */
const KNOWN: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  // TLS: the server's refusals of our certificate (its alerts), and ours of its.
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the server requires a client certificate',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the server refused the client certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "the server does not trust the client certificate's CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a trusted CA",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chains to an untrusted CA",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host",
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
