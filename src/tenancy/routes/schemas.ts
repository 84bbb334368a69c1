/** JSON Schemas of the credit routes' requests: Fastify validates with them (400 naming the field). */
import { TENANT_PATTERN } from '../validation.js';

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
