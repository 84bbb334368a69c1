/**
 * JSON Schemas of the credit API's requests (`/v1/tenants/{tenant}/credits…`,
 * served by the gateway): Fastify validates with them (400 naming the field),
 * @fastify/swagger publishes them, and the types the CLI sends are read from them.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { TENANT_PATTERN } from './tenant-pattern.js';

export const tenantParams = {
  type: 'object',
  required: ['tenant'],
  properties: { tenant: { type: 'string', pattern: TENANT_PATTERN, description: 'Tenant id' } },
} as const;

export const usageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', maxLength: 40, description: 'Inclusive start: YYYY-MM-DD (UTC) or an ISO 8601 instant' },
    to: { type: 'string', maxLength: 40, description: 'End: YYYY-MM-DD includes that day; an instant is exclusive' },
    groupBy: { type: 'string', pattern: '^(agent|skill|day)(,(agent|skill|day))*$', description: 'Comma-separated: agent, skill, day' },
  },
} as const;

export const topUpBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reference'],
  properties: {
    reference: { type: 'string', minLength: 1, maxLength: 200, description: 'Idempotency key of the top-up (an invoice or payment id): a retry with it adds nothing' },
    milliCredits: { type: 'integer', minimum: 1, description: 'Amount in milli-credits (1 credit = 1000); give this or credits' },
    credits: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'Amount in credits, at most 3 decimals ("12.5"); give this or milliCredits' },
  },
} as const;

export const holdsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Most holds listed, oldest first (default 100)' } },
} as const;

export const releaseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 512, description: 'The reservation key, as the holds list shows it' },
    reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why it is released; kept with the refund (default "released by an operator")' },
  },
} as const;

/** Query of `GET /v1/tenants/{tenant}/credits/usage`. */
export type CreditUsageParams = FromSchema<typeof usageQuery>;
/** Body of `POST /v1/tenants/{tenant}/credits/topups`. */
export type TopUpRequest = FromSchema<typeof topUpBody>;
/** Query of `GET /v1/tenants/{tenant}/credits/reservations`. */
export type CreditHoldsParams = FromSchema<typeof holdsQuery>;
/** Body of `POST /v1/tenants/{tenant}/credits/reservations/release`. */
export type HoldReleaseRequest = FromSchema<typeof releaseBody>;
