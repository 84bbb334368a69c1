/**
 * The management API's answers (`/v1/clients…`, `/v1/api-keys…`), as the
 * gateway writes them (`identity/credentials/views.ts`) and the CLI and the
 * console read them: no hash, times as ISO 8601.
 */
import type { JWK } from 'jose';

/** How a client proves itself at the token endpoint (RFC 7591 `token_endpoint_auth_method`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A client's or key's own quota; absent means the gateway defaults. */
export interface RateLimit {
  requestsPerMinute: number;
  burst: number;
}

/** `active` until revoked; revocation is final. */
export type CredentialStatus = 'active' | 'revoked';

/** A client as the management API shows it: no hash, times as ISO 8601. */
export interface ClientView {
  client_id: string;
  name: string;
  tenant: string;
  scopes: string[];
  audiences: string[];
  authMethod: ClientAuthMethod;
  jwks?: { keys: JWK[] };
  jwksUri?: string;
  rateLimit?: RateLimit;
  status: CredentialStatus;
  createdAt: string;
  updatedAt: string;
  secretRotatedAt?: string;
  /** Until when the secret before the last rotation still works. */
  previousSecretExpiresAt?: string;
  revokedAt?: string;
}

/** An API key as the management API shows it: no hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  expiresAt?: string;
  status: CredentialStatus;
  createdAt: string;
  updatedAt: string;
  rotatedAt?: string;
  previousKeyExpiresAt?: string;
  revokedAt?: string;
}

/** A client as its creation and its rotation answer: with its secret, shown that once (none for `private_key_jwt`). */
export type IssuedClientView = ClientView & { client_secret?: string };

/** An API key as its creation and its rotation answer: with its full value (`amk_<id>_<secret>`), shown that once. */
export type IssuedApiKeyView = ApiKeyView & { key: string };

/** A page of `GET /v1/clients`. */
export interface ClientPage {
  clients: ClientView[];
  nextPageToken?: string;
}

/** A page of `GET /v1/api-keys`. */
export interface ApiKeyPage {
  apiKeys: ApiKeyView[];
  nextPageToken?: string;
}

/** What the token endpoint (`POST /oauth/token`) answers a client credentials grant with (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds. */
  expires_in: number;
  scope: string;
  /** A token exchange's answer (RFC 8693 §2.2.1): the type of the token issued. */
  issued_token_type?: string;
  /** The refresh grant's answer (RFC 6749 §6): the refresh token that replaces the one redeemed. */
  refresh_token?: string;
}
