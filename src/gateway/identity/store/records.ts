import type { JWK } from 'jose';
import type { ClientAuthMethod, CredentialStatus, RateLimit } from '../../../contracts/management/index.js';

export type { ClientAuthMethod, CredentialStatus, RateLimit };


/** Every client authentication method, in metadata order. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** Every credential status: `active` until revoked; revocation is final. */
export const CREDENTIAL_STATUSES: readonly CredentialStatus[] = ['active', 'revoked'];

/** An OAuth client as stored (hashes included: never send this out; see `clientView`). */
export interface ClientRecord {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  audiences: string[];
  authMethod: ClientAuthMethod;
  secretHash?: string;
  previousSecretHash?: string;
  /** Epoch ms. */
  previousSecretExpiresAt?: number;
  jwks?: { keys: JWK[] };
  jwksUri?: string;
  rateLimit?: RateLimit;
  status: CredentialStatus;
  createdAt: number;
  updatedAt: number;
  secretRotatedAt?: number;
  revokedAt?: number;
}

/** An API key as stored (hashes included: never send this out; see `apiKeyView`). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
  secretHash: string;
  previousSecretHash?: string;
  previousSecretExpiresAt?: number;
  /** Epoch ms; absent: never expires. */
  expiresAt?: number;
  status: CredentialStatus;
  createdAt: number;
  updatedAt: number;
  rotatedAt?: number;
  revokedAt?: number;
}
