/*
 * The client certificate of a TLS connection, as RFC 8705 §3.1 names it: the
 * base64url SHA-256 of its DER bytes (`x5t#S256`).
 */
import { createHash } from 'node:crypto';
import { TLSSocket } from 'node:tls';

/** Cached on the socket: the certificate of a connection does not change (the server disables renegotiation). '' = none. */
const THUMBPRINT = Symbol('agentmesh.peerCertificateThumbprint');

type Marked = TLSSocket & { [THUMBPRINT]?: string };

/** `x5t#S256` of DER bytes: base64url(SHA-256(der)). */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The `x5t#S256` thumbprint of the certificate the client of `socket`
 * presented, or undefined (plain HTTP, or no certificate). Computed once per
 * connection, and only when asked: the gateway asks only for tokens bound to
 * a certificate.
 *
 * @example
 * peerCertificateThumbprint(request.raw.socket); // 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'
 */
export function peerCertificateThumbprint(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const marked = socket as Marked;
  let value = marked[THUMBPRINT];
  if (value === undefined) {
    // `{}` (or null after the socket closed) when the client sent no certificate.
    const raw = (socket.getPeerCertificate() as { raw?: Buffer } | null)?.raw;
    value = raw === undefined ? '' : certificateThumbprint(raw);
    marked[THUMBPRINT] = value;
  }
  return value === '' ? undefined : value;
}
