import { errors } from 'jose';
import { ErrorCodes, isAgentmeshError, Errors, type AgentmeshError } from '../../../protocol/index.js';

/**
 * Turns what jose threw while verifying a bearer token into our refusal with
 * a precise reason. A JWKS that cannot be fetched is not the caller's fault:
 * that is a retryable 503, not a 401.
 */
export function fromJoseError(err: unknown, what: string): AgentmeshError {
  if (isAgentmeshError(err) && err.code === ErrorCodes.AUTH_UNAUTHENTICATED) return err;
  if (err instanceof errors.JWTExpired) return Errors.authJwtExpired({ what }, { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
      case 'iat':
        return Errors.authJwtNotYetValid({ what, claim: err.claim }, { cause: err });
      case 'aud':
        return Errors.authJwtWrongAudience({ what }, { cause: err });
      case 'iss':
        return Errors.authJwtWrongIssuer({ what }, { cause: err });
      case 'typ':
        return Errors.authJwtWrongType({ what }, { cause: err });
      default:
        return err.reason === 'missing'
          ? Errors.authJwtClaimMissing({ what, claim: err.claim }, { cause: err })
          : Errors.authJwtClaimInvalid({ what, claim: err.claim }, { cause: err });
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return Errors.authJwtAlgRefused({ what }, { cause: err });
  if (err instanceof errors.JWSSignatureVerificationFailed) return Errors.authJwtBadSignature({ what }, { cause: err });
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return Errors.authJwtUnknownKey({ what }, { cause: err });
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return Errors.authJwtMalformed({ what }, { cause: err });
  if (isAgentmeshError(err) && err.code === ErrorCodes.SSRF_BLOCKED) {
    // A key set URL the outbound policy refuses will not get better on retry: a configuration error, not the caller's.
    return Errors.keySetRefused({ what, reason: err.message }, { cause: err });
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || isAgentmeshError(err) || err instanceof TypeError || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')) {
    return Errors.keySetUnavailable({ what }, { cause: err });
  }
  return Errors.verificationFailed({ what }, { cause: err });
}
