/**
 * JSON Schemas of the gateway's management API bodies (`/v1/clients…`,
 * `/v1/api-keys…`): Fastify validates with them (400 naming the field),
 * @fastify/swagger can publish them, and the types the CLI and the console
 * send are read from them (json-schema-to-ts, ADR 0028).
 */
import type { FromSchema } from 'json-schema-to-ts';

const scopeList = { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 200 } } as const;
const name = { type: 'string', minLength: 1, maxLength: 200 } as const;
const tenant = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const clientIdParams = {
  type: 'object',
  required: ['id'],
  // Ids are `amc_…` / `amk_…`; anything that is not one path segment of letters, digits and . _ : @ - is refused naming the field (not looked up: 404).
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$', description: 'Client or API key id' } },
} as const;

export const newClientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'tenant', 'scopes', 'authMethod'],
  properties: {
    name,
    tenant,
    scopes: scopeList,
    audiences: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 512 } },
    authMethod: { type: 'string', enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] },
    jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'object' } } } },
    jwksUri: { type: 'string', minLength: 1, maxLength: 2048 },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['requestsPerMinute', 'burst'],
      properties: { requestsPerMinute: { type: 'integer', minimum: 1, maximum: 10_000_000 }, burst: { type: 'integer', minimum: 1, maximum: 10_000_000 } },
    },
  },
} as const;

export const newApiKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'tenant', 'scopes'],
  properties: {
    name,
    tenant,
    scopes: scopeList,
    expiresAt: { type: 'string', minLength: 1, maxLength: 40, description: 'ISO 8601 date-time; absent: never expires' },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tenant,
    status: { type: 'string', enum: ['active', 'revoked'] },
    pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    pageToken: { type: 'string', maxLength: 100 },
  },
} as const;

/** Body of `POST /v1/clients`. */
export type NewClientRequest = FromSchema<typeof newClientBody>;
/** Body of `POST /v1/api-keys`: `expiresAt` is ISO 8601. */
export type NewApiKeyRequest = FromSchema<typeof newApiKeyBody>;
/** Filters and paging of `GET /v1/clients` and `GET /v1/api-keys`. */
export type CredentialListParams = FromSchema<typeof listQuery, { keepDefaultedPropertiesOptional: true }>;
