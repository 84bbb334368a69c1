import type { QueryPlan } from './query-plan.js';

/**
 * From BM25+ (term-index.ts, computed as MiniSearch did) to ARD's 0–100 score (ard.md §7.2), and the
 * relevance cutoff Search and Explore share (§7.3).
 *
 * 1. The index scores each searched term: BM25+ summed over the fields,
 *    each × its boost. The ranker sums those over the query's terms, each ×
 *    its weight (synonyms weigh less). Rather than MiniSearch's own
 *    "× number of terms matched" (which would count a synonym as a second
 *    word), the sum is multiplied by `coverage`: the share of the query's
 *    groups (words, whatever spelling matched) the document matched, each
 *    group weighted by its IDF — missing the rare, specific word of a query
 *    costs more than missing a common one. `relevance = bm25 × coverage`.
 * 2. The 0–100 score compares `relevance` with what a solid match of every
 *    word would earn — each word once in the agent's name
 *    (`REFERENCE_TERM_SCORE` × the word's IDF) — and saturates:
 *    `score = 100 × (1 − e^(−SATURATION × relevance / reference))`.
 *    It depends on the query and the document (and corpus statistics), not
 *    on the other results: an agent keeps its score when others come and go,
 *    and a weak best match scores low instead of being stretched to 100.
 *    Words no agent contains (names, places: "Seattle") are left out of the
 *    reference, or every query naming a customer would score low.
 * 3. The score is monotone in `relevance`, and results are ordered by it.
 */

/** BM25+ of one word at average tf/length in the name field (boost 3 × (δ 0.5 + 1)), ÷ IDF. */
const REFERENCE_TERM_SCORE = 4.5;
/** 1 − e^(−1.9) ≈ 85: matching every word as well as a name does scores 85. */
const SATURATION = 1.9;

/** Entries scoring below this are not in the matched set, neither for Search nor for Explore. */
export const RELEVANCE_CUTOFF = 8;

/** One ranked document. */
export interface Relevance {
  name: string;
  /** 0–100, unrounded. */
  score: number;
}

/** BM25's IDF, as the index (and MiniSearch before it) computes it. */
export function idf(documentFrequency: number, documentCount: number): number {
  return Math.log(1 + (documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/**
 * The weight of each group of a plan in `coverage`: the IDF of its commonest
 * exact term (a synonym makes a word no rarer than its commonest spelling).
 * A group no document holds exactly — matched, if at all, only by prefix or
 * typo tolerance — takes the IDF of the `looseMatches` documents it matched,
 * and weighs 0 when it matched none (left out of the reference).
 */
export function groupWeights(plan: QueryPlan, documentFrequency: (term: string) => number, documentCount: number, looseMatches: (group: number) => number): number[] {
  return plan.groups.map((group, i) => {
    let frequency = 0;
    for (const term of group.terms.keys()) frequency = Math.max(frequency, documentFrequency(term));
    if (frequency === 0) frequency = looseMatches(i);
    return frequency > 0 ? idf(frequency, documentCount) : 0;
  });
}

/**
 * The 0–100 score of a document matching the groups worth `coveredWeight`
 * of `totalWeight`, with weighted BM25+ sum `bm25`.
 */
export function relevanceScore(bm25: number, coveredWeight: number, totalWeight: number): number {
  return scoreOf(relevanceOf(bm25, coveredWeight, totalWeight), totalWeight);
}

/** The relevance {@link relevanceScore} saturates: the BM25+ sum × the share of the query covered. The score is a function of it alone (for one query). */
export function relevanceOf(bm25: number, coveredWeight: number, totalWeight: number): number {
  return bm25 * (coveredWeight / totalWeight);
}

/** The 0–100 score of `relevance` in a query of groups worth `totalWeight`. */
export function scoreOf(relevance: number, totalWeight: number): number {
  return 100 * (1 - Math.exp((-SATURATION * relevance) / (totalWeight * REFERENCE_TERM_SCORE)));
}

/**
 * The relevance at which {@link scoreOf} reaches `score` (its inverse, up
 * to rounding: callers leave a margin), for deciding without an
 * exponential per document which documents can reach a score.
 */
export function relevanceAt(score: number, totalWeight: number): number {
  return (-Math.log(1 - score / 100) * totalWeight * REFERENCE_TERM_SCORE) / SATURATION;
}

/** Best first; ties by name, so pages are stable. */
export function byRelevance(a: Relevance, b: Relevance): number {
  return b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
