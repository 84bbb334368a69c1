import type { ValidateFunction } from 'ajv';
import type { FieldViolation } from '../../protocol/index.js';
import { agentCardSchema } from './agent-card-schema.js';
import { checkAgentCard, checkLegacyAgentCard } from './card-checks.js';
import { legacyAgentCardSchema } from './legacy-agent-card-schema.js';
import { createSchemaAjv, schemaViolations } from './schema-violations.js';

/** Compiled on first use: a process that never admits a card does not pay for it. */
let validators: { v1: ValidateFunction; legacy: ValidateFunction } | undefined;

function compiled(): { v1: ValidateFunction; legacy: ValidateFunction } {
  if (validators === undefined) {
    const ajv = createSchemaAjv();
    validators = { v1: ajv.compile(agentCardSchema), legacy: ajv.compile(legacyAgentCardSchema) };
  }
  return validators;
}

/** Every problem of a v1.0 card's JSON: schema (`agent-card-schema.ts`) first, then the code checks. */
export function agentCardViolations(card: Record<string, unknown>): FieldViolation[] {
  return [...schemaViolations(compiled().v1, card), ...checkAgentCard(card)];
}

/** Every problem of a v0.3 card's JSON, in v0.3 field names. */
export function legacyAgentCardViolations(card: Record<string, unknown>): FieldViolation[] {
  return [...schemaViolations(compiled().legacy, card), ...checkLegacyAgentCard(card)];
}
