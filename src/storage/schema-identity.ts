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
/**
 * Refresh tokens of delegation grants (RFC 8693 token exchange for a refresh
 * token, redeemed with RFC 6749 §6): one row per token of a rotation family,
 * keyed by the token's hash (the token itself is never stored).
 */
export interface IdentityRefreshTokensTable {
  /** SHA-256 (base64url) of the opaque token. */
  token_hash: string;
  /** The grant: every token rotated from the first one shares it. */
  family_id: string;
  /** The client the grant was issued to (the actor), the only one that may redeem it. */
  client_id: string;
  /** The top caller the grant acts for. */
  subject: string;
  tenant: string;
  /** JSON array of the scopes granted (at most the caller's). */
  scopes: string;
  audience: string;
  /** JSON `act` claim of the tokens it issues (RFC 8693 §4.1). */
  act: string;
  /** JSON `origin`: the credential the delegation started from. */
  origin: string;
  /** The `jti` of the caller's token the delegation started from, when it was one of ours. */
  origin_jti: string | null;
  /** The caller's client or API key id. */
  origin_id: string | null;
  /** `active` until redeemed (`used`) or revoked (`revoked`). */
  status: string;
  /** When the whole family stops being redeemable, epoch ms. */
  family_expires_at: number;
  created_at: number;
  used_at: number | null;
  /** The hash of the token this one was issued for (its predecessor); NULL for a grant's first token. */
  replaces: string | null;
}

export interface IdentityTables {
  identity_refresh_tokens: IdentityRefreshTokensTable;
  identity_clients: IdentityClientsTable;
  identity_api_keys: IdentityApiKeysTable;
  identity_signing_keys: IdentitySigningKeysTable;
  identity_revoked_tokens: IdentityRevokedTokensTable;
  identity_assertion_jtis: IdentityAssertionJtisTable;
  identity_state: IdentityStateTable;
}
