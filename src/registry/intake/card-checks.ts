import type { FieldViolation } from '../../protocol/index.js';
import { childPath } from './schema-violations.js';

/*
 * The card rules JSON Schema cannot express. Each check reads the raw JSON
 * defensively (the schema may have found the same node malformed) and only
 * reports what it is about:
 *
 * 1. Skill ids are unique: callers and pricing address skills by id.
 * 2. Every security requirement names a scheme declared in `securitySchemes`
 *    (OpenAPI semantics, which A2A §4.5 follows).
 * 3. v0.3 only: each security scheme carries the fields its `type` needs.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function duplicateSkillIds(card: Json): FieldViolation[] {
  const firstIndex = new Map<string, number>();
  const violations: FieldViolation[] = [];
  list(card['skills']).forEach((skill, index) => {
    const id = isObject(skill) ? skill['id'] : undefined;
    if (typeof id !== 'string' || id === '') return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else violations.push({ field: `skills[${index}].id`, description: `duplicates skills[${first}].id (${JSON.stringify(id)}); skill ids must be unique` });
  });
  return violations;
}

/** Scheme names a requirement list refers to, with the field each sits at. */
type RequirementNames = (requirements: unknown, field: string) => Array<{ name: string; field: string }>;

const v1RequirementNames: RequirementNames = (requirements, field) =>
  list(requirements).flatMap((requirement, index) => {
    const schemes = isObject(requirement) ? requirement['schemes'] : undefined;
    return isObject(schemes) ? Object.keys(schemes).map((name) => ({ name, field: childPath(`${field}[${index}].schemes`, name) })) : [];
  });

const legacyRequirementNames: RequirementNames = (requirements, field) =>
  list(requirements).flatMap((requirement, index) => (isObject(requirement) ? Object.keys(requirement).map((name) => ({ name, field: childPath(`${field}[${index}]`, name) })) : []));

function undeclaredSchemes(card: Json, names: RequirementNames, cardField: string, skillField: string): FieldViolation[] {
  const declared = isObject(card['securitySchemes']) ? new Set(Object.keys(card['securitySchemes'])) : new Set<string>();
  const references = [
    ...names(card[cardField], cardField),
    ...list(card['skills']).flatMap((skill, index) => (isObject(skill) ? names(skill[skillField], `skills[${index}].${skillField}`) : [])),
  ];
  return references
    .filter((ref) => !declared.has(ref.name))
    .map((ref) => ({ field: ref.field, description: `names security scheme ${JSON.stringify(ref.name)}, which securitySchemes does not declare` }));
}

/** Fields a v0.3 security scheme needs, by `type` (v0.3 JSON schema). */
const LEGACY_SCHEME_FIELDS: Readonly<Record<string, readonly string[]>> = {
  apiKey: ['in', 'name'],
  http: ['scheme'],
  oauth2: ['flows'],
  openIdConnect: ['openIdConnectUrl'],
  mutualTLS: [],
};

function legacySchemeFields(card: Json): FieldViolation[] {
  const schemes = card['securitySchemes'];
  if (!isObject(schemes)) return [];
  return Object.entries(schemes).flatMap(([name, scheme]) => {
    if (!isObject(scheme) || typeof scheme['type'] !== 'string') return [];
    const type = scheme['type'];
    const needed = LEGACY_SCHEME_FIELDS[type] ?? [];
    return needed
      .filter((field) => scheme[field] === undefined)
      .map((field) => ({ field: childPath(childPath('securitySchemes', name), field), description: `is required for a security scheme of type ${type}` }));
  });
}

/** The code-level checks of a v1.0 card. */
export function checkAgentCard(card: Json): FieldViolation[] {
  return [...duplicateSkillIds(card), ...undeclaredSchemes(card, v1RequirementNames, 'securityRequirements', 'securityRequirements')];
}

/** The code-level checks of a v0.3 card, in its own field names. */
export function checkLegacyAgentCard(card: Json): FieldViolation[] {
  return [...duplicateSkillIds(card), ...undeclaredSchemes(card, legacyRequirementNames, 'security', 'security'), ...legacySchemeFields(card)];
}
