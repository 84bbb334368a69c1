import { CLIENT_AUTH_METHODS } from '../store/records.js';
import { CLIENT_ASSERTION_ALGS } from './client-assertion.js';
import { REFRESH_TOKEN_GRANT } from './delegation-grants.js';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange.js';

/** Paths of the OAuth endpoints below the issuer URL. */
export const OAUTH_PATHS = Object.freeze({
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
  metadata: '/.well-known/oauth-authorization-server',
});

/**
 * RFC 8414 authorization server metadata. Only the client credentials,
 * token exchange and refresh token (of delegation grants) grants exist, so no authorization endpoint and no response
 * types (the list is empty rather than absent: RFC 8414 §2 makes it REQUIRED).
 */
export function serverMetadata(issuer: string, signingAlgs: readonly string[]): Record<string, unknown> {
  const methods = [...CLIENT_AUTH_METHODS];
  return {
    issuer,
    token_endpoint: issuer + OAUTH_PATHS.token,
    jwks_uri: issuer + OAUTH_PATHS.jwks,
    revocation_endpoint: issuer + OAUTH_PATHS.revocation,
    introspection_endpoint: issuer + OAUTH_PATHS.introspection,
    grant_types_supported: ['client_credentials', TOKEN_EXCHANGE_GRANT, REFRESH_TOKEN_GRANT],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: methods,
    token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: methods,
    revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: methods,
    introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    // Not an RFC 8414 member; RFC 9068 tokens are signed with these (what the JWKS holds).
    access_token_signing_alg_values_supported: [...signingAlgs],
    // RFC 8705 §3.3: a client that presents a certificate over TLS gets a token bound to it.
    tls_client_certificate_bound_access_tokens: true,
  };
}
