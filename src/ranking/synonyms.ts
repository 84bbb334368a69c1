import { stemmer } from 'stemmer';
import table from './synonyms.json' with { type: 'json' };

/**
 * The synonym table registry search and the ranking share (`synonyms.json`):
 * `equivalent` sets are spellings of one word (full weight), `related` sets
 * words people use for the same need (half weight).
 */
export const SYNONYM_TABLE: { equivalent?: string[][]; related?: string[][] } = table;

/** Weight of a related word against the word itself (as in registry search). */
export const RELATED_SYNONYM_WEIGHT = 0.5;

let expansions: Map<string, Array<{ stem: string; weight: number }>> | undefined;

/** Other stems a stem also matches as, with their weight; built once from the table. */
export function synonymsOf(stem: string): ReadonlyArray<{ stem: string; weight: number }> {
  if (expansions === undefined) {
    expansions = new Map();
    const add = (sets: string[][] | undefined, weight: number): void => {
      for (const set of sets ?? []) {
        const stems = [...new Set(set.map((w) => stemmer(w.toLowerCase())))];
        for (const a of stems) for (const b of stems) if (a !== b) expansions!.set(a, [...(expansions!.get(a) ?? []), { stem: b, weight }]);
      }
    };
    add(SYNONYM_TABLE.equivalent, 1);
    add(SYNONYM_TABLE.related, RELATED_SYNONYM_WEIGHT);
  }
  return expansions.get(stem) ?? [];
}
