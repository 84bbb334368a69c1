/**
 * Tables of the identity component (the gateway's OAuth server), as Kysely
 * sees them. Timestamps are epoch milliseconds; list-valued columns hold JSON.
 * No secret is stored in clear: client secrets and API keys as keyed hashes,
 * signing keys encrypted (AES-256-GCM).
 */

/** OAuth clients (client_credentials). */
export interface IdentityClientsTable {
  /** `amc_…` */
  id: string;
  name: string;
  tenant: string;
  /** JSON array of the scopes the client may ask for. */
  scopes: string;
  /** JSON array of the audiences the client may ask for. */
  audiences: string;
  /** `client_secret_basic` | `client_secret_post` | `private_key_jwt`. */
  auth_method: string;
  /** Keyed hash of the secret (secret methods only). */
  secret_hash: string | null;
  /** Hash of the secret before the last rotation, accepted until `previous_secret_expires_at`. */
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  /** Inline JWK Set (private_key_jwt), JSON. */
  jwks: string | null;
  /** Where the JWK Set is fetched (private_key_jwt). */
  jwks_uri: string | null;
  /** `{ requestsPerMinute, burst }` JSON, or null for the defaults. */
  rate_limit: string | null;
  /** `active` | `revoked`. */
  status: string;
  created_at: number;
  updated_at: number;
  secret_rotated_at: number | null;
  revoked_at: number | null;
}

/** API keys (`X-API-Key: amk_<id>_<secret>`). */
export interface IdentityApiKeysTable {
  /** `amk_…` */
  id: string;
  name: string;
  tenant: string;
  /** JSON array of scopes. */
  scopes: string;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  expires_at: number | null;
  /** `active` | `revoked`. */
  status: string;
  created_at: number;
  updated_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** Token signing keys, shared by every gateway replica. */
export interface IdentitySigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  /** 1, 2, 3…: unique, so two replicas rotating at once cannot both add a key. */
  generation: number;
  alg: string;
  /** Public JWK JSON (as published). */
  public_jwk: string;
  /** PKCS#8 private key, AES-256-GCM sealed (`v1.<iv>.<tag>.<ciphertext>`, base64url). */
  private_key: string;
  created_at: number;
  /** When the key starts signing; until then it is only published (pre-publication). */
  activates_at: number;
}

/** Access tokens revoked before their expiry (RFC 7009), kept until they expire. */
export interface IdentityRevokedTokensTable {
  jti: string;
  client_id: string;
  revoked_at: number;
  /** The token's own expiry; the row is useless (and purged) after it. */
  expires_at: number;
}

/** `jti`s of client assertions already used (RFC 7523 §3 replay check), kept until they expire. */
export interface IdentityAssertionJtisTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

/**
 * One row (id 1) whose revision every revocation, rotation and key change
 * bumps: replicas poll this one row and reload their caches when it moves.
 */
export interface IdentityStateTable {
  id: number;
  revision: number;
  /** The credential-hash pepper, sealed under the key-encryption key (migration 0010); null until a gateway stores it. */
  credential_pepper: string | null;
}

/** Tables of the identity component, as Kysely sees them (shared by both dialects). */
export interface IdentityTables {
  identity_clients: IdentityClientsTable;
  identity_api_keys: IdentityApiKeysTable;
  identity_signing_keys: IdentitySigningKeysTable;
  identity_revoked_tokens: IdentityRevokedTokensTable;
  identity_assertion_jtis: IdentityAssertionJtisTable;
  identity_state: IdentityStateTable;
}
