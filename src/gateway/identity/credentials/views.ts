import type { ApiKeyView, ClientView } from '../../../contracts/management/index.js';
import type { ApiKeyRecord, ClientRecord } from '../store/records.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The public view of a client record. */
export function clientView(record: ClientRecord, now: number): ClientView {
  const view: ClientView = {
    client_id: record.id,
    name: record.name,
    tenant: record.tenant,
    scopes: record.scopes,
    audiences: record.audiences,
    authMethod: record.authMethod,
    status: record.status,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
  if (record.jwks !== undefined) view.jwks = record.jwks;
  if (record.jwksUri !== undefined) view.jwksUri = record.jwksUri;
  if (record.rateLimit !== undefined) view.rateLimit = record.rateLimit;
  if (record.secretRotatedAt !== undefined) view.secretRotatedAt = iso(record.secretRotatedAt);
  if (record.previousSecretExpiresAt !== undefined && record.previousSecretExpiresAt > now) view.previousSecretExpiresAt = iso(record.previousSecretExpiresAt);
  if (record.revokedAt !== undefined) view.revokedAt = iso(record.revokedAt);
  return view;
}

/** The public view of an API key record. */
export function apiKeyView(record: ApiKeyRecord, now: number): ApiKeyView {
  const view: ApiKeyView = {
    id: record.id,
    name: record.name,
    tenant: record.tenant,
    scopes: record.scopes,
    status: record.status,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
  if (record.expiresAt !== undefined) view.expiresAt = iso(record.expiresAt);
  if (record.rotatedAt !== undefined) view.rotatedAt = iso(record.rotatedAt);
  if (record.previousSecretExpiresAt !== undefined && record.previousSecretExpiresAt > now) view.previousKeyExpiresAt = iso(record.previousSecretExpiresAt);
  if (record.revokedAt !== undefined) view.revokedAt = iso(record.revokedAt);
  return view;
}
