import { errors } from 'jose';
import { ErrorCodes, isAgentmeshError, Errors, type AgentmeshError } from '../../../protocol/index.js';
import { authFailure } from '../auth-failure.js';

/**
 * Turns what jose threw while verifying a bearer token into our refusal with
 * a precise reason. A JWKS that cannot be fetched is not the caller's fault:
 * that is a retryable 503, not a 401.
 */
export function fromJoseError(err: unknown, what: string): AgentmeshError {
  if (isAgentmeshError(err) && err.code === ErrorCodes.AUTH_UNAUTHENTICATED) return err;
  if (err instanceof errors.JWTExpired) return authFailure('expired', `${what} has expired`, 'Bearer', err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
      case 'iat':
        return authFailure('not_yet_valid', `${what} is not valid yet (${err.claim} is in the future)`, 'Bearer', err);
      case 'aud':
        return authFailure('wrong_audience', `${what} was issued for another audience`, 'Bearer', err);
      case 'iss':
        return authFailure('wrong_issuer', `${what} was issued by an issuer this gateway does not trust`, 'Bearer', err);
      case 'typ':
        return authFailure('wrong_type', `${what} is not an access token (typ must be at+jwt)`, 'Bearer', err);
      default:
        return err.reason === 'missing'
          ? authFailure('missing_claim', `${what} lacks the ${err.claim} claim`, 'Bearer', err)
          : authFailure('malformed', `${what} has an invalid ${err.claim} claim`, 'Bearer', err);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return authFailure('alg_not_allowed', `${what} uses a signature algorithm that is not allowed`, 'Bearer', err);
  if (err instanceof errors.JWSSignatureVerificationFailed) return authFailure('bad_signature', `${what} has an invalid signature`, 'Bearer', err);
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return authFailure('unknown_key', `${what} is signed by a key the issuer does not publish`, 'Bearer', err);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return authFailure('malformed', `${what} is not a well-formed JWT`, 'Bearer', err);
  if (isAgentmeshError(err) && err.code === ErrorCodes.SSRF_BLOCKED) {
    // A key set URL the outbound policy refuses will not get better on retry: a configuration error, not the caller's.
    return Errors.keySetRefused({ what, reason: err.message }, { cause: err });
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || isAgentmeshError(err) || err instanceof TypeError || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')) {
    return Errors.keySetUnavailable({ what }, { cause: err });
  }
  return Errors.verificationFailed({ what }, { cause: err });
}
