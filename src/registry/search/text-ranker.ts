import { BoundedCache } from './bounded-cache.js';
import type { IndexedAgent } from './indexed-agent.js';
import { planQuery } from './query-plan.js';
import type { QueryBranch, QueryPlan } from './query-plan.js';
import { groupWeights, RELEVANCE_CUTOFF, relevanceAt, relevanceOf, scoreOf } from './relevance-score.js';
import { TermIndex } from './term-index.js';
import type { Postings } from './term-index.js';
import type { CompiledSynonyms, SynonymLookup } from './synonym-table.js';

/**
 * The agents relevant to a query, best first (ties by name), above the
 * relevance cutoff. Read agents with {@link TextRanker.agentAt}.
 *
 * Ordered lazily: a search reads the first 20 or so of a matched set that,
 * at 100,000 agents, holds tens of thousands; sorting all of them was most
 * of a search's cost, and keeping them all (three arrays per search, off
 * the JS heap) made the garbage collector mark the whole registry every few
 * hundred searches. A ranking holds its head (selected with a quickselect in
 * a scratch array, then sorted); the whole order is computed again, once, the
 * first time something reads past the head (a deep page, a filter that admits
 * too few of the head, Explore).
 */
export class Ranking {
  /** Number of agents matched. */
  readonly length: number;
  #ordinals: Int32Array;
  #scores: Float32Array;
  #complete: boolean;
  readonly #rankAll: (() => { ordinals: Int32Array; scores: Float32Array }) | undefined;

  /** @internal Built by {@link TextRanker}: the ordered head, and how to order everything when asked. */
  constructor(length: number, ordinals: Int32Array, scores: Float32Array, rankAll?: () => { ordinals: Int32Array; scores: Float32Array }) {
    this.length = length;
    this.#ordinals = ordinals;
    this.#scores = scores;
    this.#complete = ordinals.length === length;
    this.#rankAll = rankAll;
  }

  static readonly EMPTY = new Ranking(0, new Int32Array(0), new Float32Array(0));

  /** Entries a cache of rankings holds for it (a weight). */
  get weight(): number {
    return this.#ordinals.length + 1;
  }

  /** Ordinals and scores, best first: at least the first `count` (all when `count` ≥ length). Do not modify. */
  head(count: number): { ordinals: Int32Array; scores: Float32Array } {
    if (count > this.#ordinals.length && !this.#complete && this.#rankAll !== undefined) {
      ({ ordinals: this.#ordinals, scores: this.#scores } = this.#rankAll());
      this.#complete = true;
    }
    return { ordinals: this.#ordinals, scores: this.#scores };
  }

  /** Every matched ordinal, best first. Do not modify. */
  all(): Int32Array {
    return this.head(this.length).ordinals;
  }
}

/** Matched agents ordered at scoring time: enough for a search's re-ranked head and its first pages. */
const SORTED_HEAD = 256;

/** Postings kept across queries (12 bytes each: 12 MB), at least. */
const TERM_CACHE_POSTINGS = 1_000_000;
/**
 * And per indexed agent: the postings of the words people search for grow
 * with the corpus (at 100,000 agents a few hundred common words hold
 * millions), and a cache smaller than them scores most searches' words
 * again. 30 per agent: 36 MB at 100,000.
 */
const TERM_CACHE_POSTINGS_PER_AGENT = 30;
/** Ranked entries kept across queries (8 bytes each: 16 MB). */
const RANK_CACHE_ENTRIES = 2_000_000;
/** Query plans kept (text → plan), a few hundred bytes each. */
const PLAN_CACHE_ENTRIES = 2_000;
/**
 * Cached postings of words an agent does not hold survive a change of that
 * agent: only the corpus statistics in their BM25 moved (document count,
 * average field length: about 1/N per change). Once the changes since the
 * last full refresh reach this fraction of the corpus, every cache is
 * dropped, so cached scores never drift by more than about 1%.
 */
export const FULL_REFRESH_FRACTION = 0.01;
/**
 * Relative slack around a relevance derived from a score (the cutoff, the
 * head's lowest): far above the rounding of the exponential and its inverse
 * (about 1e-15), so no decision rests on them; documents within it are scored exactly.
 */
const MARGIN = 1e-6;
/**
 * Score below the head's lowest under which a document cannot enter the
 * head: keys round scores to 1/1000, and 0.003 lower is at least two
 * thousandths later, whichever way the rounding falls.
 */
const HEAD_SCORE_MARGIN = 0.003;
/** Sort keys hold a name-order position below this (2^24 agents). */
const NAME_SLOTS = 2 ** 24;

/**
 * The text side of the index. The registry's own inverted index
 * (term-index.ts, ADR 0051) scores each distinct term of a query (BM25+,
 * field-boosted) straight into typed arrays the size of the corpus; the
 * ranker combines the terms per document and turns them into 0–100 scores
 * (relevance-score.ts).
 *
 * Why per term: scoring is the cost of a search (a common word of a 100,000
 * agent registry is held by tens of thousands, in up to six fields each;
 * the word being typed completes to thousands of terms), and queries share
 * words. A query term's scores depend only on the indexed text, so they are
 * cached until the text changes — a health, status or tenant update does
 * not touch the text and keeps the caches (SearchIndex re-indexes only
 * changed text), and a text change drops only the scores of the changed
 * agent's words (see FULL_REFRESH_FRACTION). Whole rankings are cached per
 * query plan, compactly. Filters and tenants apply after ranking, so one
 * ranking serves every caller.
 */
export class TextRanker {
  readonly #synonyms: CompiledSynonyms;
  readonly #terms = new TermIndex();
  /** Dense document numbers, so accumulation runs over typed arrays. */
  readonly #ordinals = new Map<string, number>();
  readonly #agents: Array<IndexedAgent | undefined> = [];
  readonly #freeOrdinals: number[] = [];
  #bm25 = new Float64Array(64);
  #masks = new Int32Array(64);
  #touched = new Int32Array(64);
  #kept = new Int32Array(64);
  #keys = new Float64Array(64);
  #relevances = new Float64Array(64);
  readonly #termCache = new BoundedCache<Postings>(TERM_CACHE_POSTINGS);
  readonly #rankCache = new BoundedCache<Ranking>(RANK_CACHE_ENTRIES);
  /** Text changes since every cache was last emptied. */
  #changesSinceRefresh = 0;
  readonly #planCache = new BoundedCache<QueryPlan>(PLAN_CACHE_ENTRIES);
  /** Ordinal → position of the agent's name in name order: ties break by name without comparing strings. Rebuilt when names come or go. */
  #namePositions: Int32Array | undefined;
  /** Name-order position → ordinal (the inverse of #namePositions). */
  #byPosition: Int32Array | undefined;

  constructor(synonyms: CompiledSynonyms) {
    this.#synonyms = synonyms;
  }

  /** Slots in use or free: ordinals are below this. */
  get capacity(): number {
    return this.#agents.length;
  }

  add(agent: IndexedAgent): void {
    const ordinal = this.#freeOrdinals.pop() ?? this.#agents.length;
    const terms = this.#terms.add(ordinal, agent.doc);
    this.#ordinals.set(agent.name, ordinal);
    this.#agents[ordinal] = agent;
    this.#namePositions = undefined;
    if (ordinal >= this.#bm25.length) this.#grow();
    this.#termCache.resize(Math.max(TERM_CACHE_POSTINGS, TERM_CACHE_POSTINGS_PER_AGENT * this.#terms.documentCount));
    this.#textChanged(terms);
  }

  /** Re-indexes an agent whose text changed; it keeps its ordinal and its place in name order. */
  replace(previous: IndexedAgent, agent: IndexedAgent): void {
    const ordinal = this.#ordinals.get(previous.name);
    if (ordinal === undefined || previous.name !== agent.name) throw new Error(`TextRanker.replace: ${previous.name} is not indexed under that name`);
    const removed = this.#terms.remove(ordinal, previous.doc);
    const added = this.#terms.add(ordinal, agent.doc);
    this.#agents[ordinal] = agent;
    this.#textChanged(new Set([...removed, ...added]));
  }

  /** Swaps the agent behind a document whose text did not change; caches stay valid. */
  refresh(agent: IndexedAgent): void {
    const ordinal = this.#ordinals.get(agent.name);
    if (ordinal !== undefined) this.#agents[ordinal] = agent;
  }

  remove(agent: IndexedAgent): void {
    const ordinal = this.#ordinals.get(agent.name);
    if (ordinal === undefined) return;
    const terms = this.#terms.remove(ordinal, agent.doc);
    this.#ordinals.delete(agent.name);
    this.#agents[ordinal] = undefined;
    this.#freeOrdinals.push(ordinal);
    this.#namePositions = undefined;
    this.#textChanged(terms);
  }

  /** The agent of a ranking ordinal. */
  agentAt(ordinal: number): IndexedAgent {
    return this.#agents[ordinal]!;
  }

  ordinalOf(name: string): number | undefined {
    return this.#ordinals.get(name);
  }

  /**
   * Agents relevant to `text`, best first, above the relevance cutoff. Do not modify the arrays.
   * `paraphrases` (query term → card words it stands for, src/ranking's lexicon) are searched as
   * related synonyms of the words they paraphrase; they must be a function of `text` (plans are cached by it).
   */
  rank(text: string, paraphrases?: CompiledSynonyms): Ranking {
    const key = paraphrases === undefined || paraphrases.size === 0 ? text : `${text}\u0000paraphrased`;
    let plan = this.#planCache.get(key);
    if (plan === undefined) {
      plan = planQuery(text, paraphrases === undefined || paraphrases.size === 0 ? this.#synonyms : overlay(this.#synonyms, paraphrases), (term) => this.#terms.has(term));
      this.#planCache.set(key, plan, 1);
    }
    let ranking = this.#rankCache.get(plan.key);
    if (ranking === undefined) {
      ranking = this.#score(plan);
      this.#rankCache.set(plan.key, ranking, ranking.weight);
    }
    return ranking;
  }

  #score(plan: QueryPlan, full = false): Ranking {
    if (plan.groups.length === 0) return Ranking.EMPTY;
    const bm25 = this.#bm25;
    const masks = this.#masks;
    // Scratch arrays (as large as the corpus), not arrays grown per search: a common word
    // touches tens of thousands of documents at 100,000 agents.
    const touched = this.#touched;
    let touchedCount = 0;
    for (const branch of plan.branches) {
      const { ordinals, scores } = this.#postings(branch);
      for (let i = 0; i < ordinals.length; i++) {
        const doc = ordinals[i]!;
        if (masks[doc] === 0) touched[touchedCount++] = doc;
        bm25[doc]! += branch.weight * scores[i]!;
        masks[doc]! |= branch.groupMask;
      }
    }

    const looseMatches = (group: number): number => {
      let n = 0;
      for (let t = 0; t < touchedCount; t++) n += (masks[touched[t]!]! >>> group) & 1;
      return n;
    };
    const weights = groupWeights(plan, (term) => this.#terms.documentFrequency(term), this.#terms.documentCount, looseMatches);
    const total = weights.reduce((sum, w) => sum + w, 0);
    const coverage = coverageByMask(weights);
    const coveredOf = (mask: number): number => {
      if (coverage !== undefined) return coverage[mask]!;
      let covered = 0;
      for (let m = mask; m !== 0; m &= m - 1) covered += weights[31 - Math.clz32(m & -m)] ?? 0;
      return covered;
    };
    // The relevance of each touched document above the cutoff, beside its ordinal. The score is a
    // monotone function of the relevance (relevance-score.ts), so its exponential is computed only
    // near the cutoff and for the documents that can reach the head (below), not for every match.
    const kept = this.#kept;
    const relevances = this.#relevances;
    let keptCount = 0;
    if (total > 0) {
      const cutoff = relevanceAt(RELEVANCE_CUTOFF, total);
      const surelyOut = cutoff * (1 - MARGIN);
      const surelyIn = cutoff * (1 + MARGIN);
      for (let t = 0; t < touchedCount; t++) {
        const doc = touched[t]!;
        const relevance = relevanceOf(bm25[doc]!, coveredOf(masks[doc]!), total);
        if (relevance < surelyOut || (relevance < surelyIn && scoreOf(relevance, total) < RELEVANCE_CUTOFF)) continue;
        relevances[keptCount] = relevance;
        kept[keptCount++] = doc;
      }
    }
    for (let t = 0; t < touchedCount; t++) masks[touched[t]!] = 0;
    const sorted = full || keptCount <= SORTED_HEAD ? keptCount : SORTED_HEAD;
    // Which documents can be in the head. The head is the `sorted` smallest keys: score descending
    // to 1/1000, then name order. Below the relevance of the `sorted`-th best document, a score
    // 0.003 lower rounds to a later thousandth than every one of those: such documents cannot be
    // in the head, and only the others (usually not many more than the head) get a score and a key.
    let floor = -Infinity;
    if (sorted < keptCount) {
      const scratch = this.#keys.subarray(0, keptCount);
      for (let i = 0; i < keptCount; i++) scratch[i] = -relevances[i]!;
      selectSmallest(scratch, sorted);
      let worst = -Infinity;
      for (let i = 0; i < sorted; i++) worst = Math.max(worst, scratch[i]!);
      const reachable = scoreOf(-worst, total) - HEAD_SCORE_MARGIN;
      if (reachable > RELEVANCE_CUTOFF) floor = relevanceAt(reachable, total) * (1 - MARGIN);
    }
    // Ordered as numbers, without a comparator (the cost of a search over a common
    // word): one key per document, score descending to 1/1000, then name order.
    // Only the head is ordered now, in a scratch array (see Ranking).
    const positions = this.#positions();
    const byPosition = this.#byPosition!;
    const keys = this.#keys;
    let candidates = 0;
    for (let i = 0; i < keptCount; i++) {
      const relevance = relevances[i]!;
      if (relevance < floor) continue;
      const doc = kept[i]!;
      const score = scoreOf(relevance, total);
      // The score replaces the BM25 sum in the scratch array, for the head read below.
      bm25[doc] = score;
      keys[candidates++] = Math.round((100 - score) * 1000) * NAME_SLOTS + positions[doc]!;
    }
    const head = keys.subarray(0, candidates);
    if (sorted < candidates) selectSmallest(head, sorted);
    head.subarray(0, sorted).sort();
    const ordinals = new Int32Array(sorted);
    const scores = new Float32Array(sorted);
    for (let i = 0; i < sorted; i++) {
      const doc = byPosition[head[i]! % NAME_SLOTS]!;
      ordinals[i] = doc;
      scores[i] = bm25[doc]!;
    }
    for (let t = 0; t < touchedCount; t++) bm25[touched[t]!] = 0;
    // The whole order, asked for rarely: scored again, on the index as it is then (a cached
    // ranking never outlives a text change: every change empties the ranking cache).
    if (sorted === keptCount) return new Ranking(keptCount, ordinals, scores);
    const ranking: Ranking = new Ranking(keptCount, ordinals, scores, () => {
      const all = this.#score(plan, true).head(keptCount);
      // It now holds every match: weighed as such, so the cache stays within its bound.
      if (this.#rankCache.peek(plan.key) === ranking) this.#rankCache.set(plan.key, ranking, keptCount + 1);
      return all;
    });
    return ranking;
  }

  #positions(): Int32Array {
    if (this.#namePositions === undefined) {
      this.#byPosition = undefined;
      const live = [...this.#ordinals.values()].sort((a, b) => {
        const x = this.#agents[a]!.name;
        const y = this.#agents[b]!.name;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      this.#namePositions = new Int32Array(this.#agents.length);
      live.forEach((ordinal, position) => (this.#namePositions![ordinal] = position));
      this.#byPosition = Int32Array.from(live);
    }
    return this.#namePositions;
  }

  #postings(branch: QueryBranch): Postings {
    const key = `${branch.term}:${branch.prefix ? 1 : 0}:${branch.fuzzy}`;
    const cached = this.#termCache.get(key);
    if (cached !== undefined) return cached;
    const postings = this.#terms.score(this.#terms.derivedTerms(branch.term, branch.prefix, branch.fuzzy));
    this.#termCache.set(key, postings, postings.ordinals.length + 1);
    return postings;
  }

  /**
   * Drops what a change of a document holding `terms` made wrong: the
   * postings of those terms, prefix lookups that reach one of them, every
   * typo-tolerant lookup, every ranking, and the plans (which words the
   * index knows may have changed). Everything, once drift adds up.
   */
  #textChanged(terms: ReadonlySet<string>): void {
    this.#changesSinceRefresh += 1;
    this.#rankCache.clear();
    this.#planCache.clear();
    if (this.#changesSinceRefresh > FULL_REFRESH_FRACTION * this.#terms.documentCount) {
      this.#termCache.clear();
      this.#changesSinceRefresh = 0;
      return;
    }
    this.#termCache.deleteWhere((key) => {
      const [term = '', prefix, fuzzy] = key.split(':');
      if (fuzzy !== '0') return true;
      if (prefix === '0') return terms.has(term);
      for (const changed of terms) if (changed.startsWith(term)) return true;
      return false;
    });
  }

  #grow(): void {
    const size = this.#bm25.length * 2;
    const bm25 = new Float64Array(size);
    bm25.set(this.#bm25);
    const masks = new Int32Array(size);
    masks.set(this.#masks);
    this.#bm25 = bm25;
    this.#masks = masks;
    this.#touched = new Int32Array(size);
    this.#kept = new Int32Array(size);
    this.#keys = new Float64Array(size);
    this.#relevances = new Float64Array(size);
  }
}

/**
 * Moves the `count` smallest keys to the front of `keys` (in no order), the
 * rest after them (Hoare quickselect; equal keys are fine: the head's keys
 * are distinct, each ending in a name-order position, relevances need not be).
 */
export function selectSmallest(keys: Float64Array, count: number): void {
  let low = 0;
  let high = keys.length - 1;
  const k = count - 1;
  while (low < high) {
    // Median of three as the pivot: sorted or reversed runs stay linear.
    const mid = (low + high) >>> 1;
    const a = keys[low]!;
    const b = keys[mid]!;
    const c = keys[high]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = low;
    let j = high;
    while (i <= j) {
      while (keys[i]! < pivot) i++;
      while (keys[j]! > pivot) j--;
      if (i <= j) {
        const t = keys[i]!;
        keys[i] = keys[j]!;
        keys[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return;
  }
}

/** Covered weight of every group mask, for queries of up to 12 words: a lookup per document instead of a bit loop. */
function coverageByMask(weights: readonly number[]): Float64Array | undefined {
  if (weights.length > 12) return undefined;
  const table = new Float64Array(1 << weights.length);
  for (let mask = 1; mask < table.length; mask++) {
    const low = 31 - Math.clz32(mask & -mask);
    table[mask] = table[mask & (mask - 1)]! + (weights[low] ?? 0);
  }
  return table;
}

/** The synonym table with a query's paraphrases added to the words they paraphrase (a term's own synonyms first). */
function overlay(synonyms: CompiledSynonyms, paraphrases: CompiledSynonyms): SynonymLookup {
  return {
    get: (term) => {
      const extra = paraphrases.get(term);
      const own = synonyms.get(term);
      return extra === undefined ? own : [...(own ?? []), ...extra.filter((e) => !own?.some((o) => o.term === e.term))];
    },
  };
}
