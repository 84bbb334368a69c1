/** Human output of `agentmesh clients …` and `agentmesh keys …`. */
import type { ApiKeyView, ClientView, IssuedClientView } from '../../../contracts/management/index.js';
import { fields, table } from '../agents/agents-render.js';

/** One client: its facts, and its secret when the answer carries one. */
export function formatClient(client: IssuedClientView): string {
  return fields([
    ['client_id', client.client_id],
    ['secret', client.client_secret],
    ['name', client.name],
    ['tenant', client.tenant],
    ['scopes', client.scopes.join(' ')],
    ['audiences', client.audiences.join(' ')],
    ['auth method', client.authMethod],
    ['jwks uri', client.jwksUri],
    ['rate limit', client.rateLimit && `${client.rateLimit.requestsPerMinute}/min, burst ${client.rateLimit.burst}`],
    ['status', client.status],
    ['created', client.createdAt],
    ['rotated', client.secretRotatedAt],
    ['old secret', client.previousSecretExpiresAt && `valid until ${client.previousSecretExpiresAt}`],
    ['revoked', client.revokedAt],
  ]);
}

/** Clients as a table. */
export function formatClientTable(clients: readonly ClientView[]): string {
  if (clients.length === 0) return 'no clients\n';
  return table(
    ['CLIENT_ID', 'NAME', 'TENANT', 'AUTH', 'STATUS', 'SCOPES'],
    clients.map((c) => [c.client_id, c.name, c.tenant, c.authMethod, c.status, c.scopes.join(' ')]),
  );
}

/** One API key: its facts, and the key itself when the answer carries it. */
export function formatApiKey(key: ApiKeyView & { key?: string }): string {
  return fields([
    ['id', key.id],
    ['key', key.key],
    ['name', key.name],
    ['tenant', key.tenant],
    ['scopes', key.scopes.join(' ')],
    ['expires', key.expiresAt ?? 'never'],
    ['status', key.status],
    ['created', key.createdAt],
    ['rotated', key.rotatedAt],
    ['old key', key.previousKeyExpiresAt && `valid until ${key.previousKeyExpiresAt}`],
    ['revoked', key.revokedAt],
  ]);
}

/** API keys as a table. */
export function formatApiKeyTable(keys: readonly ApiKeyView[]): string {
  if (keys.length === 0) return 'no API keys\n';
  return table(
    ['ID', 'NAME', 'TENANT', 'STATUS', 'EXPIRES', 'SCOPES'],
    keys.map((k) => [k.id, k.name, k.tenant, k.status, k.expiresAt ?? 'never', k.scopes.join(' ')]),
  );
}

/** The line every answer with a secret ends with, on stderr. */
export const SHOWN_ONCE = 'store it now: the gateway keeps only a hash and will not show it again\n';
