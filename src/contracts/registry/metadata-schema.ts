/**
 * JSON Schema of the enterprise metadata of an agent (`AgentMetadata` in
 * `record.ts` reads its type from it, seeds 000/004). Unknown keys are refused at every level: a
 * misspelt `maxConcurentTasks` would otherwise be stored and never applied.
 * Rules JSON Schema cannot say (skill ids of the card, pricing that charges
 * something, declared schemas that compile) are in the registry's `intake/metadata-validation.ts`.
 */
import { PII_ACTIONS, PII_KINDS } from './pii.js';

const label = { type: 'string', minLength: 1, maxLength: 256 } as const;
const labels = { type: 'array', items: label } as const;
const httpUrl = { type: 'string', format: 'http-url' } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;
const count = { type: 'integer', minimum: 1 } as const;
/** RFC 6749 §3.3 scope-token. */
const scope = {
  type: 'string',
  pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$',
  errorMessage: 'must be an OAuth scope: printable characters without spaces, quotes or backslashes',
} as const;
const scopes = { type: 'array', items: scope } as const;
const jsonSchema = { type: 'object' } as const;
/**
 * A DNS name in its ASCII form (an IDN as `xn--…`), lowercase: labels of 1-63 letters, digits and
 * dashes, not starting or ending with a dash, at most 253 characters. What the ownership checks
 * compare byte for byte, so one spelling only.
 */
const domain = {
  type: 'string',
  maxLength: 253,
  pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$',
  errorMessage: 'must be a lowercase DNS name such as example.com (an internationalized name in its xn-- form)',
} as const;
/** Who claims to own the agent, for the registry to verify (docs/registry.md#ownership-verification). */
const ownershipClaim = {
  type: 'object',
  additionalProperties: false,
  required: ['domain'],
  properties: {
    domain,
    organization: label,
    method: { enum: ['dns', 'well-known', 'signature'] },
    keysUrl: httpUrl,
  },
} as const;
const piiPolicy = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { enum: [...PII_ACTIONS] },
    kinds: { type: 'array', minItems: 1, items: { enum: [...PII_KINDS] } },
  },
} as const;

const skillMetadata = {
  type: 'object',
  additionalProperties: false,
  properties: {
    inputSchema: jsonSchema,
    outputSchema: jsonSchema,
    pricing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        creditsPerCall: positive,
        creditsPerItem: positive,
        itemsPath: {
          type: 'string',
          pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
          errorMessage: 'must be a dot path into the skill input, such as leadIds or batch.items',
        },
      },
    },
    requiredScopes: scopes,
    // A workflow's outline of steps (the orchestrator's skills), drawn by the console before any run.
    workflow: { type: 'object' },
  },
} as const;

export const agentMetadataSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    department: label,
    owner: label,
    maintainers: labels,
    costCenter: label,
    // What the agent's data is, as gateway policies read it (`resource.classification`, docs/policies.md).
    dataClassification: { enum: ['public', 'internal', 'confidential', 'restricted'] },
    sla: {
      type: 'object',
      additionalProperties: false,
      required: ['tier'],
      properties: {
        tier: { enum: ['gold', 'silver', 'bronze'] },
        availability: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        maxLatencyMs: positive,
      },
    },
    maxConcurrentTasks: count,
    requiredScopes: scopes,
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['requestsPerMinute'],
      properties: { requestsPerMinute: count, burst: count },
    },
    tenantAware: { type: 'boolean' },
    tenants: labels,
    regions: labels,
    documentationUrl: httpUrl,
    tags: labels,
    configSchema: jsonSchema,
    skills: { type: 'object', additionalProperties: skillMetadata },
    pii: piiPolicy,
    ownership: ownershipClaim,
  },
} as const;
