import type { JWTPayload } from 'jose';
import { Errors } from '../../../protocol/index.js';

/**
 * Refuses a JWT issued in the future beyond the clock tolerance (RFC 7519
 * §4.1.6; docs/gateway-identity.md: "nbf or iat in the future"). jose checks
 * `iat` only with `maxTokenAge`, which would also bound a token's age — not
 * ours to decide for external issuers — so the check is done here, after the
 * signature. A token without `iat` passes: only our own tokens require it.
 */
export function refuseFutureIssuedAt(payload: JWTPayload, nowMs: number, toleranceSeconds: number, what: string): void {
  const { iat } = payload;
  if (iat === undefined) return;
  // jose has already refused an iat that is not a finite number.
  if (iat > nowMs / 1000 + toleranceSeconds) throw Errors.authJwtNotYetValid({ what, claim: 'iat' });
}
