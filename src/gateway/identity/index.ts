/**
 * gateway/identity: the gateway's OAuth 2.0 authorization server for machine
 * clients (client credentials; client_secret_basic, client_secret_post,
 * private_key_jwt), its JWKS with key rotation, revocation and
 * introspection, API keys, external issuers, and `authenticate`, the check
 * every gateway call goes through. See docs/gateway-identity.md and ADR 0005.
 */
export { createIdentity } from './identity.js';
export type { Identity, IdentityOptions } from './identity.js';
export { adminOrCaller } from './admin-or-caller.js';
export type { TenantScopedCaller } from './admin-or-caller.js';
export { parseIdentityConfig, identityConfigSchema } from './config.js';
export { resealGatewaySecrets } from './reseal-identity.js';
export type { IdentityResealResult, ResealGatewaySecretsOptions } from './reseal-identity.js';
export type { IdentityConfig, IdentityConfigInput, ExternalIssuerConfig } from './config.js';
export { GATEWAY_ADMIN_SCOPE, GATEWAY_DELEGATE_SCOPE, CREDITS_ADMIN_SCOPE, MAX_DELEGATION_DEPTH, delegationChain } from './principal.js';
export type { Principal, PrincipalKind, Actor, DelegationOrigin } from './principal.js';
export { originOf } from './tokens/delegation-claims.js';
export { TOKEN_EXCHANGE_GRANT } from './oauth/token-exchange.js';
export { TOKEN_TYPE } from './oauth/subject-token.js';
export { AUTH_FAILURE_REASONS, authFailureReason } from './auth-failure.js';
export type { AuthFailureReason } from './auth-failure.js';
export type { CredentialCarrier } from './authenticator.js';
export type { AssertionClaims } from './tokens/token-signer.js';
export { ACCESS_TOKEN_TYP, ASSERTION_TYP, GATEWAY_ACTOR } from './tokens/token-signer.js';
export type { PublicSigningJwk, SigningAlg } from './keys/key-material.js';
export type { ClientView, ApiKeyView } from '../../contracts/management/index.js';
export type { NewClientInput } from './credentials/client-service.js';
export type { NewApiKeyInput } from './credentials/api-key-service.js';
export type { ClientAuthMethod, RateLimit } from './store/records.js';
export { OAUTH_PATHS } from './oauth/server-metadata.js';
export { INTROSPECT_SCOPE } from './oauth/introspection-endpoint.js';
export { JWT_BEARER_ASSERTION_TYPE } from './oauth/client-assertion.js';
