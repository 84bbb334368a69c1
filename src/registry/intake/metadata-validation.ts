import type { AgentCard } from '@a2a-js/sdk';
import type { ValidateFunction } from 'ajv';
import { ErrorCodes, type FieldViolation, violationError } from '../../protocol/index.js';
import type { AgentMetadata } from '../../contracts/registry/index.js';
import { jsonSchemaProblem } from './json-schema-check.js';
import { agentMetadataSchema } from '../../contracts/registry/index.js';
import { childPath, createSchemaAjv, schemaViolations } from './schema-violations.js';
import { keysUrlProblem } from '../ownership/keys-url.js';

/*
 * Enterprise metadata checks beyond `metadata-schema.ts`:
 *
 * 1. `skills` keys are skill ids of the card: metadata for a skill the agent
 *    does not have would price or gate nothing.
 * 2. A skill's `pricing` charges something: `creditsPerCall`, or
 *    `creditsPerItem`, or both (seed 004).
 * 3. `itemsPath` counts items for `creditsPerItem`; alone it charges nothing.
 * 4. `configSchema` and each skill's `inputSchema`/`outputSchema` compile as
 *    JSON Schema.
 * 5. An ownership claim names a domain, not an IP address (there is no DNS
 *    name to look a TXT record up at, and no owner of an address to verify),
 *    and its `keysUrl`, when given, is on the domain and under `/.well-known/`
 *    (anything else could not prove the domain: ownership/keys-url.ts).
 */

type Json = Record<string, unknown>;
const PREFIX = 'metadata';

let validator: ValidateFunction | undefined;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaCompiles(schema: unknown, field: string): FieldViolation[] {
  if (!isObject(schema)) return [];
  const problem = jsonSchemaProblem(schema);
  return problem === undefined ? [] : [{ field, description: problem }];
}

function skillViolations(id: string, skill: unknown, skillIds: ReadonlySet<string>): FieldViolation[] {
  const field = childPath(`${PREFIX}.skills`, id);
  const violations: FieldViolation[] = [];
  if (!skillIds.has(id)) {
    const known = [...skillIds].join(', ');
    violations.push({ field, description: `is not a skill of the agent card (its skills: ${known === '' ? 'none' : known})` });
  }
  if (!isObject(skill)) return violations;
  violations.push(...schemaCompiles(skill['inputSchema'], `${field}.inputSchema`), ...schemaCompiles(skill['outputSchema'], `${field}.outputSchema`));
  const pricing = skill['pricing'];
  if (isObject(pricing)) {
    if (pricing['creditsPerCall'] === undefined && pricing['creditsPerItem'] === undefined) {
      violations.push({ field: `${field}.pricing`, description: 'must set creditsPerCall, creditsPerItem or both' });
    }
    if (pricing['itemsPath'] !== undefined && pricing['creditsPerItem'] === undefined) {
      violations.push({ field: `${field}.pricing.itemsPath`, description: 'needs creditsPerItem: it counts the items that are charged per item' });
    }
  }
  return violations;
}

/** A claim the schema admitted (a lowercase DNS name, a URL) that still could not be proven. */
function ownershipViolations(claim: Json): FieldViolation[] {
  const domain = String(claim['domain']);
  // A last label of digits only is an IPv4 address (no top-level domain is numeric).
  if (/(^|\.)\d+$/.test(domain)) return [{ field: `${PREFIX}.ownership.domain`, description: 'is an IP address, not a domain' }];
  const problem = keysUrlProblem({ domain, ...(typeof claim['keysUrl'] === 'string' && { keysUrl: claim['keysUrl'] }) });
  return problem === undefined ? [] : [{ field: `${PREFIX}.ownership.keysUrl`, description: problem }];
}

/**
 * Validates the enterprise metadata of an agent against the record model
 * and the agent's card; absent metadata is `{}`. Throws one
 * AM_ERR_REGISTRY_INVALID_ARGUMENT listing every problem, fields named like
 * `metadata.sla.tier`. Returns a copy the caller may keep.
 *
 * @example
 * const metadata = validateAgentMetadata(body.metadata, admitted.card);
 * // throws: The agent metadata has 2 problems:
 * //   - metadata.sla.tier must be one of gold, silver, bronze
 * //   - metadata.skills.score-leads is not a skill of the agent card (its skills: lookalike)
 */
export function validateAgentMetadata(raw: unknown, card: AgentCard): AgentMetadata {
  if (raw === undefined) return {};
  validator ??= createSchemaAjv().compile(agentMetadataSchema);
  const violations = schemaViolations(validator, raw, PREFIX);
  if (isObject(raw)) {
    violations.push(...schemaCompiles(raw['configSchema'], `${PREFIX}.configSchema`));
    const skills = raw['skills'];
    if (isObject(skills)) {
      const skillIds = new Set(card.skills.map((s) => s.id));
      for (const [id, skill] of Object.entries(skills)) violations.push(...skillViolations(id, skill, skillIds));
    }
  }
  if (violations.length === 0 && isObject(raw) && isObject(raw['ownership'])) violations.push(...ownershipViolations(raw['ownership']));
  if (violations.length > 0) throw violationError(ErrorCodes.REGISTRY_INVALID_ARGUMENT, 'The agent metadata', violations);
  // A JSON copy: the metadata is JSON (a request body), and structuredClone of a small
  // object costs several times more (it was a tenth of a registration's intake).
  return JSON.parse(JSON.stringify(raw)) as AgentMetadata;
}
