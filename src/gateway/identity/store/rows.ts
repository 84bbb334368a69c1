import type { Selectable } from 'kysely';
import type { Tables } from '../../../storage/index.js';
import { CLIENT_AUTH_METHODS, CREDENTIAL_STATUSES, type ApiKeyRecord, type ClientRecord, type RateLimit } from './records.js';
import { requireOneOf, isRecord } from '../../../protocol/index.js';

type ClientRow = Selectable<Tables['identity_clients']>;
type ApiKeyRow = Selectable<Tables['identity_api_keys']>;

/**
 * `{ [key]: ms }` for an epoch-ms column that holds a value, `{}` for a null
 * one: spread into a record, its optional instants stay absent, never undefined.
 */
function instant<K extends string>(key: K, column: number | string | null): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  if (column !== null) out[key] = Number(column);
  return out;
}

/** A stored rate limit (JSON `{ requestsPerMinute, burst }`), checked: a column is data like any other. */
function rateLimitOf(text: string, what: string): RateLimit {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value) || typeof value['requestsPerMinute'] !== 'number' || typeof value['burst'] !== 'number') throw new TypeError(`${what} is not a rate limit: ${text.slice(0, 100)}`);
  return { requestsPerMinute: value['requestsPerMinute'], burst: value['burst'] };
}

/** A stored client row as a record. */
export function clientFromRow(row: ClientRow): ClientRecord {
  const record: ClientRecord = {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    scopes: JSON.parse(row.scopes) as string[],
    audiences: JSON.parse(row.audiences) as string[],
    authMethod: requireOneOf(CLIENT_AUTH_METHODS, row.auth_method, 'identity_clients.auth_method'),
    status: requireOneOf(CREDENTIAL_STATUSES, row.status, 'identity_clients.status'),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...instant('previousSecretExpiresAt', row.previous_secret_expires_at),
    ...instant('secretRotatedAt', row.secret_rotated_at),
    ...instant('revokedAt', row.revoked_at),
  };
  if (row.secret_hash !== null) record.secretHash = row.secret_hash;
  if (row.previous_secret_hash !== null) record.previousSecretHash = row.previous_secret_hash;
  if (row.jwks !== null) record.jwks = JSON.parse(row.jwks) as ClientRecord['jwks'] & object;
  if (row.jwks_uri !== null) record.jwksUri = row.jwks_uri;
  if (row.rate_limit !== null) record.rateLimit = rateLimitOf(row.rate_limit, 'identity_clients.rate_limit');
  return record;
}

/** A client record as a row. */
export function rowFromClient(record: ClientRecord): ClientRow {
  return {
    id: record.id,
    name: record.name,
    tenant: record.tenant,
    scopes: JSON.stringify(record.scopes),
    audiences: JSON.stringify(record.audiences),
    auth_method: record.authMethod,
    secret_hash: record.secretHash ?? null,
    previous_secret_hash: record.previousSecretHash ?? null,
    previous_secret_expires_at: record.previousSecretExpiresAt ?? null,
    jwks: record.jwks === undefined ? null : JSON.stringify(record.jwks),
    jwks_uri: record.jwksUri ?? null,
    rate_limit: record.rateLimit === undefined ? null : JSON.stringify(record.rateLimit),
    status: record.status,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    secret_rotated_at: record.secretRotatedAt ?? null,
    revoked_at: record.revokedAt ?? null,
  };
}

/** A stored API key row as a record. */
export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    scopes: JSON.parse(row.scopes) as string[],
    secretHash: row.secret_hash,
    status: requireOneOf(CREDENTIAL_STATUSES, row.status, 'identity_api_keys.status'),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...instant('previousSecretExpiresAt', row.previous_secret_expires_at),
    ...instant('expiresAt', row.expires_at),
    ...instant('rotatedAt', row.rotated_at),
    ...instant('revokedAt', row.revoked_at),
  };
  if (row.previous_secret_hash !== null) record.previousSecretHash = row.previous_secret_hash;
  return record;
}

/** An API key record as a row. */
export function rowFromApiKey(record: ApiKeyRecord): ApiKeyRow {
  return {
    id: record.id,
    name: record.name,
    tenant: record.tenant,
    scopes: JSON.stringify(record.scopes),
    secret_hash: record.secretHash,
    previous_secret_hash: record.previousSecretHash ?? null,
    previous_secret_expires_at: record.previousSecretExpiresAt ?? null,
    expires_at: record.expiresAt ?? null,
    status: record.status,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    rotated_at: record.rotatedAt ?? null,
    revoked_at: record.revokedAt ?? null,
  };
}
