import type { AgentRecord } from '../../contracts/registry/index.js';
import { analyze } from './text-analyzer.js';

/**
 * What the text index holds of one agent: each field is its analyzed terms
 * joined by spaces (analysis happens once here, so the inverted index
 * only splits on spaces and the same terms can be removed exactly later).
 */
export interface SearchDocument {
  /** The record name. */
  id: string;
  /** Card name and record slug. */
  name: string;
  /** Skill names and skill ids (`scoreLookalike` → score, lookalike). */
  skills: string;
  /** Skill tags and metadata tags. */
  tags: string;
  /** Card description. */
  description: string;
  /** Skill descriptions. */
  skillDescriptions: string;
  /** Skill examples: phrased like requests, so they match paraphrases well. */
  examples: string;
  /** Department and provider organization ("Acme Legal"). */
  organization: string;
}

export type SearchField = Exclude<keyof SearchDocument, 'id'>;

/**
 * Field weights. What an agent is called and what its skills are called say
 * most about it; tags are curated keywords; descriptions and examples are
 * longer prose where any one word says less. Tuned on the relevance corpus
 * (test/fixtures/registry-corpus).
 */
export const FIELD_BOOSTS: Readonly<Record<SearchField, number>> = Object.freeze({
  name: 3,
  skills: 2.5,
  tags: 2,
  description: 1.5,
  skillDescriptions: 1,
  examples: 1,
  organization: 1,
});

const isSearchField = (name: string): name is SearchField => Object.hasOwn(FIELD_BOOSTS, name);
export const SEARCH_FIELDS = Object.keys(FIELD_BOOSTS).filter(isSearchField);

/** The indexed form of a record. Tolerates cards whose skills lack optional arrays. */
export function toSearchDocument(record: AgentRecord): SearchDocument {
  const card = record.card;
  const skills = Array.isArray(card.skills) ? card.skills : [];
  const text = (values: ReadonlyArray<string | undefined>): string => analyze(values.filter((v) => typeof v === 'string').join(' ')).join(' ');
  const unique = (values: ReadonlyArray<string | undefined>): string => [...new Set(text(values).split(' '))].join(' ');
  return {
    id: record.name,
    name: unique([card.name, record.name]),
    skills: skills.map((s) => unique([s.name, s.id])).join(' ').trim(),
    tags: unique([...(record.metadata.tags ?? []), ...skills.flatMap((s) => s.tags ?? [])]),
    description: text([card.description]),
    skillDescriptions: text(skills.map((s) => s.description)),
    examples: text(skills.flatMap((s) => s.examples ?? [])),
    organization: unique([record.metadata.department, card.provider?.organization]),
  };
}

/** Distinct terms of a document, for document frequencies. */
export function termsOf(doc: SearchDocument): Set<string> {
  const terms = new Set<string>();
  for (const field of SEARCH_FIELDS) {
    for (const term of doc[field].split(' ')) if (term !== '') terms.add(term);
  }
  return terms;
}
