import type { AgentCard } from '@a2a-js/sdk';
import { isRecord } from '../protocol/index.js';
import type { RankDocument } from './rank.js';

/** What {@link agentDocument} reads beside the card. */
export interface AgentDocumentSource {
  /** The registry record's name. */
  name: string;
  card: AgentCard;
  /** Record-level tags. */
  tags?: readonly string[] | undefined;
  department?: string | undefined;
  /** Input schemas by skill id (registry `metadata.skills[id].inputSchema`). */
  inputSchemas?: ReadonlyArray<unknown> | undefined;
  /** ARD `representativeQueries` (beyond the skills' examples). */
  queries?: readonly string[] | undefined;
  /** Confirmed requests of the caller's tenant. */
  learned?: readonly string[] | undefined;
}

/** The ranking's view of an agent: its card and registry record, field by field. */
export function agentDocument(source: AgentDocumentSource): RankDocument {
  const skills = Array.isArray(source.card.skills) ? source.card.skills : [];
  return {
    id: source.name,
    kind: 'agent',
    name: [source.card.name, source.name],
    skills: skills.flatMap((s) => [s.name, s.id]),
    tags: [...(source.tags ?? []), ...skills.flatMap((s) => s.tags ?? [])],
    description: [source.card.description],
    skillDescriptions: skills.map((s) => s.description),
    // Data examples (JSON) say nothing a request would say.
    examples: [...skills.flatMap((s) => s.examples ?? []), ...(source.queries ?? [])].filter((e) => !/^\s*[[{]/.test(e)),
    inputs: (source.inputSchemas ?? []).flatMap((schema) => fieldNames(schema)),
    department: source.department ? [source.department] : [],
    learned: [...(source.learned ?? [])],
  };
}

/** What {@link workflowDocument} reads of a workflow definition. */
export interface WorkflowDocumentSource {
  name: string;
  description?: string | undefined;
  tags?: readonly string[] | undefined;
  /** Input names. */
  inputs?: readonly string[] | undefined;
  /** The agents and skills its steps call. */
  steps?: readonly string[] | undefined;
  learned?: readonly string[] | undefined;
}

/** The ranking's view of a workflow the router can start: `workflow:<name>`. */
export function workflowDocument(source: WorkflowDocumentSource): RankDocument {
  return {
    id: `workflow:${source.name}`,
    kind: 'workflow',
    name: [source.name],
    skills: [],
    tags: [...(source.tags ?? [])],
    description: source.description ? [source.description] : [],
    // The skills its steps call: the work it combines, weighed as prose (one skill's request is that agent's).
    skillDescriptions: [...(source.steps ?? [])],
    examples: [],
    inputs: [...(source.inputs ?? [])],
    department: [],
    learned: [...(source.learned ?? [])],
    steps: [...(source.steps ?? [])],
  };
}

/** Property names of a JSON schema, nested objects, arrays and oneOf/anyOf/allOf included (depth 4). */
export function fieldNames(schema: unknown, depth = 0): string[] {
  if (depth > 4 || !isRecord(schema)) return [];
  const s = schema;
  const names: string[] = [];
  const properties = s['properties'];
  if (typeof properties === 'object' && properties !== null) {
    for (const [key, value] of Object.entries(properties)) names.push(key, ...fieldNames(value, depth + 1));
  }
  if (s['items'] !== undefined) names.push(...fieldNames(s['items'], depth + 1));
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = s[key];
    if (Array.isArray(branches)) for (const branch of branches) names.push(...fieldNames(branch, depth + 1));
  }
  return [...new Set(names)];
}
