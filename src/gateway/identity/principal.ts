/** How a caller proved who it is. */
export type PrincipalKind = 'client' | 'api-key' | 'external';

/**
 * Who is calling: what `Identity.authenticate` returns, and what policy,
 * quotas, credits and audit work from.
 */
export interface Principal {
  /** `client`: a token this gateway issued; `api-key`: an X-API-Key; `external`: a token of a configured issuer. */
  kind: PrincipalKind;
  /** The caller: the client id, the API key id, or the external token's subject claim. */
  subject: string;
  /** The OAuth client (for API keys, the key id; for external tokens, `azp`/`client_id`, else the subject). */
  clientId: string;
  /** The tenant every call of this principal is scoped to. */
  tenant: string;
  scopes: string[];
  /** The token's `jti` (absent for API keys and external tokens without one). */
  tokenId?: string;
  /** When the credential expires, epoch seconds. */
  expiresAt?: number;
}

/** Scope of the management APIs (`/v1/clients`, `/v1/api-keys`, …). */
export const GATEWAY_ADMIN_SCOPE = 'gateway:admin';
/**
 * Scope of delegation: a client holding it may call agents on behalf of
 * another tenant (header `x-agentmesh-on-behalf-of-tenant`) — the
 * orchestrator, calling specialists for its callers' tenants.
 */
export const GATEWAY_DELEGATE_SCOPE = 'gateway:delegate';
/** Scope of credit top-ups (tenancy). */
export const CREDITS_ADMIN_SCOPE = 'credits:admin';
