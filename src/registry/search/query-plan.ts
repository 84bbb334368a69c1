import type { SynonymLookup } from './synonym-table.js';
import { analyzeQuery } from './text-analyzer.js';
import type { QueryWord } from './text-analyzer.js';

/**
 * How a query text is searched. Each query word becomes a group: the word's
 * own term, the joined spelling of a compound it ends, and its synonyms, each
 * with a weight. A group is one concept: matching it through a synonym counts
 * the same for coverage as matching the word itself (only the weight differs).
 */
export interface QueryGroup {
  word: QueryWord;
  /** Term → weight (1 for the word itself, less for related words). */
  terms: ReadonlyMap<string, number>;
}

/** One distinct term to look up, and what a match of it means. */
export interface QueryBranch {
  term: string;
  /** Highest weight the term has in any of its groups. */
  weight: number;
  /** Also match index terms that start with it (last word, still being typed). */
  prefix: boolean;
  /** Levenshtein distance tolerated (0 = exact). */
  fuzzy: number;
  /** Bit i set = the term belongs to group i. */
  groupMask: number;
}

export interface QueryPlan {
  groups: readonly QueryGroup[];
  branches: readonly QueryBranch[];
  /** Identifies the plan: equal keys rank identically on one index revision. */
  key: string;
}

/** Queries longer than this are cut (group sets are 32-bit masks): more words add cost, not precision. */
export const MAX_QUERY_WORDS = 30;
/** Shortest stem that gets prefix completion ("enr" would match too much). */
const MIN_PREFIX_LENGTH = 3;
/** Shortest stem that gets typo tolerance; shorter words have too many neighbours ("lead"/"load"). */
const MIN_FUZZY_LENGTH = 5;

/**
 * Plans a query. `isKnown` tells whether a term occurs in any document: only
 * unknown words get fuzzy matching (typo tolerance without diluting the exact
 * words), and only the last word gets prefix matching, and only while it is
 * still being typed (the text does not end in a space or punctuation).
 *
 * @example
 * const plan = planQuery('score leads similar to my best customers', synonyms, (t) => df.has(t));
 * plan.groups.map((g) => g.word.term); // ['score', 'lead', 'similar', 'best', 'custom']
 */
export function planQuery(text: string, synonyms: SynonymLookup, isKnown: (term: string) => boolean): QueryPlan {
  const words = analyzeQuery(text).slice(0, MAX_QUERY_WORDS);
  const typing = /[\p{L}\p{N}]$/u.test(text);
  const groups: QueryGroup[] = [];
  const branches = new Map<string, QueryBranch>();

  words.forEach((word, index) => {
    const terms = new Map<string, number>([[word.term, 1]]);
    for (const joined of word.joinedTerms) terms.set(joined, 1);
    for (const { term, weight } of synonyms.get(word.term) ?? []) if (!terms.has(term)) terms.set(term, weight);
    groups.push({ word, terms });

    const known = [...terms.keys()].some(isKnown);
    for (const [term, weight] of terms) {
      const own = term === word.term;
      const prefix = own && typing && index === words.length - 1 && term.length >= MIN_PREFIX_LENGTH;
      const fuzzy = own && !known && term.length >= MIN_FUZZY_LENGTH ? (term.length >= 8 ? 2 : 1) : 0;
      const branch = branches.get(term);
      branches.set(term, branch === undefined
        ? { term, weight, prefix, fuzzy, groupMask: 1 << index }
        : { term, weight: Math.max(branch.weight, weight), prefix: branch.prefix || prefix, fuzzy: Math.max(branch.fuzzy, fuzzy), groupMask: branch.groupMask | (1 << index) });
    }
  });

  const list = [...branches.values()];
  const key = list.map((b) => `${b.term}:${b.weight}:${b.prefix ? 1 : 0}:${b.fuzzy}:${b.groupMask}`).join(' ');
  return { groups, branches: list, key };
}
