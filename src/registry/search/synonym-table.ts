import { ErrorCodes, invalidArgument } from '../../protocol/index.js';
import { SYNONYM_TABLE as defaultTable } from '../../ranking/index.js';
import { termOf } from './text-analyzer.js';

/**
 * Synonyms the search applies at query time (never at indexing, so editing
 * the table needs no re-index). Entries are single words; hyphenated entries
 * ("time-off") stand for their joined compound.
 */
export interface SynonymTable {
  /** Spellings and abbreviations of one word ("summarise"/"summarize"): each expands to the others at full weight. */
  equivalent?: ReadonlyArray<ReadonlyArray<string>>;
  /** Words people use for the same need ("invoice"/"bill"): each expands to the others at {@link RELATED_WEIGHT}. */
  related?: ReadonlyArray<ReadonlyArray<string>>;
}

/** The built-in table (`synonyms.json`): domain words of the seeds' departments. */
export const DEFAULT_SYNONYMS: SynonymTable = defaultTable;

/**
 * Weight of a related word against the word typed. Below 1 so that an agent
 * using the user's own word outranks one using a neighbour of it.
 */
export const RELATED_WEIGHT = 0.5;

/** One extra term a query term is also searched as. */
export interface Expansion {
  term: string;
  weight: number;
}

/** Query term → the other terms it expands to, with weights. */
export type CompiledSynonyms = ReadonlyMap<string, readonly Expansion[]>;

/** What a query plan reads of a synonym table: the expansions of a term. */
export type SynonymLookup = Pick<CompiledSynonyms, 'get'>;

/**
 * Checks a table and turns it into a term map. Throws AM_ERR_CONFIG_INVALID
 * naming the first bad entry.
 *
 * @example
 * const synonyms = compileSynonyms({ related: [['invoice', 'bill']] });
 * synonyms.get('invoic'); // [{ term: 'bill', weight: 0.5 }]
 */
export function compileSynonyms(table: SynonymTable): CompiledSynonyms {
  if (typeof table !== 'object' || table === null) throw invalidArgument(ErrorCodes.CONFIG_INVALID, 'synonyms', 'must be an object with "equivalent" and/or "related" arrays');
  const byTerm = new Map<string, Map<string, number>>();
  const add = (kind: 'equivalent' | 'related', weight: number): void => {
    const sets = table[kind];
    if (sets === undefined) return;
    if (!Array.isArray(sets)) throw invalidArgument(ErrorCodes.CONFIG_INVALID, `synonyms.${kind}`, 'must be an array of word arrays');
    sets.forEach((set, i) => {
      if (!Array.isArray(set) || set.length < 2) throw invalidArgument(ErrorCodes.CONFIG_INVALID, `synonyms.${kind}[${i}]`, 'must be an array of at least two words');
      const terms = set.map((word, j) => termOfEntry(word, `synonyms.${kind}[${i}][${j}]`));
      for (const term of terms) {
        const expansions = byTerm.get(term) ?? new Map<string, number>();
        byTerm.set(term, expansions);
        for (const other of terms) {
          if (other !== term && (expansions.get(other) ?? 0) < weight) expansions.set(other, weight);
        }
      }
    });
  };
  add('related', RELATED_WEIGHT);
  add('equivalent', 1);
  return new Map([...byTerm].map(([term, expansions]) => [term, [...expansions].map(([other, weight]) => ({ term: other, weight }))]));
}

function termOfEntry(word: unknown, field: string): string {
  if (typeof word !== 'string' || !/^[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*$/u.test(word)) throw invalidArgument(ErrorCodes.CONFIG_INVALID, field, 'must be one word (letters and digits, hyphens allowed)');
  const term = termOf(word.replaceAll('-', '').toLowerCase());
  if (term === undefined) throw invalidArgument(ErrorCodes.CONFIG_INVALID, field, `"${word}" is a stop word or too short to search for`);
  return term;
}
