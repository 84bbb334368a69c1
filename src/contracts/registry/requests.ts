/**
 * JSON Schemas of the registry's request shapes: Fastify validates with them
 * (400 naming the field), @fastify/swagger publishes them in /openapi.json,
 * and the types clients send are read from them (json-schema-to-ts, ADR 0028).
 */
import type { FromSchema } from 'json-schema-to-ts';

export const agentNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Agent name (slug)' } },
} as const;

export const instanceParams = {
  type: 'object',
  required: ['name', 'id'],
  // Instance ids are the registry's UUIDs; any id is one path segment of letters, digits and . _ : @ - (400 naming it otherwise).
  properties: { name: agentNameParams.properties.name, id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$', description: 'Instance id' } },
} as const;

const status = { type: 'string', enum: ['active', 'deprecated', 'disabled'] } as const;

export const registrationBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    protocol: { type: 'string', enum: ['a2a', 'acp'], description: 'The protocol the agent speaks (default a2a); acp registers the agents of the ACP server at "url" as bridged agents' },
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'With protocol acp: the ACP server\'s base URL (its /agents are read through the SSRF guard)' },
    cardUrl: { type: 'string', minLength: 1, maxLength: 2048, description: 'Where to fetch the card (through the SSRF guard); a base URL gets /.well-known/agent-card.json' },
    card: { type: 'object', description: 'The A2A agent card, v1.0 or v0.3 (stored as v1.0)' },
    name: agentNameParams.properties.name,
    metadata: { type: 'object', description: 'Enterprise metadata: department, owner, sla, pricing, …' },
    status,
  },
} as const;

export const patchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cardUrl: registrationBody.properties.cardUrl,
    card: registrationBody.properties.card,
    metadata: { type: 'object', description: 'JSON merge patch (RFC 7396) over the metadata' },
    status,
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    department: { type: 'string' },
    tag: { type: 'string' },
    skill: { type: 'string' },
    status,
    tenant: { type: 'string' },
    health: { type: 'string', enum: ['healthy', 'degraded', 'down', 'unknown'] },
    pageSize: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    pageToken: { type: 'string', maxLength: 200 },
    include: { type: 'string', enum: ['instances'], description: "`instances`: the page also carries each listed agent's instances, by agent name" },
    verified: { type: 'boolean', description: 'true: only agents whose ownership claim the registry verified; false: only the others' },
    review: { type: 'string', enum: ['pending'], description: '`pending`: only agents with a card change waiting for a reviewer' },
  },
} as const;

export const reviewParams = {
  type: 'object',
  required: ['id'],
  // Review ids are the registry's UUIDs (v7); anything else is one path segment that cannot name one.
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,99}$', description: 'Review id' } },
} as const;

export const reviewListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['pending', 'approved', 'rejected', 'superseded', 'withdrawn'], default: 'pending' },
    agent: agentNameParams.properties.name,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

export const reviewDecisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2000, description: 'Why (required to reject); kept with the review and in the audit trail' },
    onBehalfOf: { type: 'string', minLength: 1, maxLength: 256, description: 'The person the caller acts for (the console relays its signed-in admin); recorded as said' },
  },
} as const;

export const instanceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048 },
    region: { type: 'string', maxLength: 64 },
    version: { type: 'string', maxLength: 64 },
    capacity: { type: 'integer', minimum: 1 },
    leaseTtlMs: { type: 'integer', minimum: 1000, description: 'Lease length; heartbeat well before it lapses (default 30000)' },
  },
} as const;

export const configBody = {
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: { config: { type: 'object' }, comment: { type: 'string', maxLength: 500 } },
} as const;

export const rollbackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: { version: { type: 'integer', minimum: 1 } },
} as const;

export const configVersionParams = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: agentNameParams.properties.name, version: { type: 'integer', minimum: 1 } },
} as const;

/** The longest search text the registry accepts: its search bodies' schemas, its search index and the clients that cut a query to fit all read this one limit. */
export const MAX_SEARCH_TEXT_LENGTH = 1000;

const filter = { type: 'object', description: 'ARD filter: dot paths into the catalog entry → value or array of values (OR within a key, AND across keys)' } as const;

export const searchBody = {
  type: 'object',
  required: ['query'],
  properties: {
    query: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: MAX_SEARCH_TEXT_LENGTH }, filter },
    },
    federation: { type: 'string', enum: ['auto', 'referrals', 'none'] },
    pageSize: { type: 'integer', minimum: 1, maximum: 100 },
    pageToken: { type: 'string', maxLength: 500 },
  },
} as const;

export const exploreBody = {
  type: 'object',
  required: ['resultType'],
  properties: {
    query: { type: 'object', properties: { text: { type: 'string', maxLength: MAX_SEARCH_TEXT_LENGTH }, filter } },
    resultType: {
      type: 'object',
      required: ['facets'],
      properties: {
        facets: {
          type: 'array',
          minItems: 1,
          maxItems: 20,
          items: {
            type: 'object',
            required: ['field'],
            properties: { field: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, minCount: { type: 'integer', minimum: 0 } },
          },
        },
      },
    },
  },
} as const;

export const ardListQuery = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 2000, description: 'ard.md Appendix A: `displayName=x type=a,b` (space-separated key=value, comma = OR)' },
    orderBy: { type: 'string', maxLength: 100 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100 },
    pageToken: { type: 'string', maxLength: 500 },
  },
} as const;

export const watchQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    agent: { type: 'string', description: 'Only changes of this agent' },
    kinds: { type: 'string', description: 'Comma list of change kinds' },
    since: { type: 'integer', minimum: 0, description: 'Resume after this seq (or send Last-Event-ID)' },
  },
} as const;

/** Body of `POST /v1/reviews/{id}/approve` and `…/reject`. */
export type ReviewDecision = FromSchema<typeof reviewDecisionBody>;
/** Query of `GET /v1/reviews` (each key has a default: `pending`, 100). */
export type ReviewListQuery = Partial<FromSchema<typeof reviewListQuery>>;

/** Body of `POST /v1/agents` and `PUT /v1/agents/{name}`. */
export type RegistrationBody = FromSchema<typeof registrationBody>;
/** Body of `PATCH /v1/agents/{name}`. */
export type AgentPatchBody = FromSchema<typeof patchBody>;
/** Body of `POST /v1/agents/{name}/instances`. */
export type InstanceRegistration = FromSchema<typeof instanceBody>;
/** Body of `PUT /v1/agents/{name}/config`. */
export type ConfigBody = FromSchema<typeof configBody>;
/** Body of `POST /v1/agents/{name}/config/rollback`. */
export type RollbackBody = FromSchema<typeof rollbackBody>;
/** Body of ARD `POST /search`. */
export type SearchRequest = FromSchema<typeof searchBody>;
/** Body of ARD `POST /explore`. */
export type ExploreRequest = FromSchema<typeof exploreBody>;

/** A registration of an A2A agent: its card, or the URL the registry fetches it from when no `card` is given. */
export type RegistrationRequest = Pick<RegistrationBody, 'cardUrl' | 'card' | 'name' | 'metadata' | 'status'>;
/** A registration of the agents of an ACP server: its base URL, optionally one agent's name, and metadata for each. */
export type AcpRegistrationRequest = Pick<RegistrationBody, 'name' | 'metadata' | 'status'> & { url: string };
/** Body of `PUT /v1/agents/{name}`: the card as A2A JSON (the registry checks it against the A2A schema) and the enterprise metadata. */
export type AgentUpsert = Pick<RegistrationBody, 'metadata'> & { card: unknown };
