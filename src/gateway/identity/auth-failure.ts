import { AgentmeshError, ErrorCodes, oneOf } from '../../protocol/index.js';

/**
 * Why a credential was refused: the `reason` detail of AM_ERR_AUTH_UNAUTHENTICATED.
 * Stable strings: the gateway maps them to RFC 6750 `error_description`,
 * audit entries and the `reason` label of the failure metric.
 */
export type AuthFailureReason =
  | 'malformed'
  | 'ambiguous_credentials'
  | 'unsupported_scheme'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'wrong_type'
  | 'bad_signature'
  | 'alg_not_allowed'
  | 'unknown_key'
  | 'missing_claim'
  | 'revoked'
  | 'client_revoked'
  | 'certificate_mismatch'
  | 'issuer_unavailable'
  | 'api_key_invalid'
  | 'api_key_expired'
  | 'api_key_revoked';

/** Every reason, for metrics and docs. */
export const AUTH_FAILURE_REASONS: readonly AuthFailureReason[] = [
  'malformed',
  'ambiguous_credentials',
  'unsupported_scheme',
  'expired',
  'not_yet_valid',
  'wrong_audience',
  'wrong_issuer',
  'wrong_type',
  'bad_signature',
  'alg_not_allowed',
  'unknown_key',
  'missing_claim',
  'revoked',
  'client_revoked',
  'certificate_mismatch',
  'issuer_unavailable',
  'api_key_invalid',
  'api_key_expired',
  'api_key_revoked',
];

/*
 * Identity refuses a credential with AM_ERR_AUTH_UNAUTHENTICATED carrying
 * `details.reason` (one of {@link AuthFailureReason}) and `details.scheme`
 * (`Bearer` or `ApiKey`) for the WWW-Authenticate header: the catalog's
 * `Errors.auth…` entries, each declared with its reason and scheme.
 */

/** The reason of a refused credential, if `err` is one. */
export function authFailureReason(err: unknown): AuthFailureReason | undefined {
  if (!(err instanceof AgentmeshError) || err.code !== ErrorCodes.AUTH_UNAUTHENTICATED) return undefined;
  const reason = err.details?.reason;
  return oneOf(AUTH_FAILURE_REASONS, reason);
}
