import { FIELD_BOOSTS, SEARCH_FIELDS } from './search-document.js';
import type { SearchDocument } from './search-document.js';

/**
 * The registry's inverted index: index term → the agents (ordinals) holding
 * it, per field, with the term's frequency there; BM25+ computed when a
 * query asks, over the statistics of that moment.
 *
 * It replaces MiniSearch (ADR 0051) and scores as MiniSearch did, so the
 * rankings the relevance corpus was tuned on do not move: BM25+ (k 1.2,
 * b 0.7, δ 0.5) per field, the IDF from the number of documents holding the
 * term in that field, field lengths counted in distinct terms, averages kept
 * as running means, prefix completions weighted
 * `0.4 × len / (len + 0.3 × extra letters)` and typo matches
 * `0.35 × len / (len + distance)`. What it does not do is build a result
 * object per matching document: postings are plain number arrays and a
 * query term's scores come back as two typed arrays.
 *
 * A posting is one number, `ordinal × 2^19 + field × 2^16 + frequency` (a
 * double, exact below 2^53: ordinals up to 2^24): one array per term, no
 * object per posting, about 8 bytes per (term, field, agent). A document is
 * removed with the exact terms it was added with (its analyzed fields), so
 * the index never holds stale postings.
 */

const BM25_K = 1.2;
const BM25_B = 0.7;
const BM25_D = 0.5;
const PREFIX_WEIGHT = 0.4;
const FUZZY_WEIGHT = 0.35;

const FIELD_COUNT = SEARCH_FIELDS.length;
const BOOSTS = SEARCH_FIELDS.map((field) => FIELD_BOOSTS[field]);
const FIELD_SLOTS = 8;
const FREQUENCY_SLOTS = 2 ** 16;
const POSTING_SLOTS = FIELD_SLOTS * FREQUENCY_SLOTS;
/** Ordinals stay below this, so a posting stays an exact double. */
export const MAX_ORDINALS = 2 ** 24;

interface TermEntry {
  /** Packed postings (see above), in no particular order. */
  postings: number[];
  /** Documents holding the term in any field. */
  documents: number;
}

/** One index term a query term reaches, and the weight of that reach (1 for the term itself). */
export interface DerivedTerm {
  term: string;
  weight: number;
}

/** Documents matching a query term, with the term's BM25+ (field-boosted) per document. */
export interface Postings {
  ordinals: Int32Array;
  scores: Float64Array;
}

/** New terms kept unsorted before they are merged into the sorted vocabulary. */
const UNSORTED_TERMS = 1_024;

export class TermIndex {
  readonly #terms = new Map<string, TermEntry>();
  /** Field lengths (distinct terms), `ordinal × FIELD_COUNT + field`. */
  #lengths = new Int32Array(64 * FIELD_COUNT);
  /** Running mean of each field's length, updated as MiniSearch did (the same floating-point steps). */
  readonly #averageLengths = new Float64Array(FIELD_COUNT);
  #documentCount = 0;
  /** Terms in code-unit order (some may have left the index: checked against #terms). */
  #sorted: string[] = [];
  /** Terms added since #sorted was last merged. */
  #unsorted: string[] = [];
  /** Per-branch scratch: a branch sums its derived terms per document before weighting (as MiniSearch's result did). */
  #branch = new Float64Array(64);
  #branchTouched = new Int32Array(64);
  readonly #idfs = new Float64Array(FIELD_COUNT);
  readonly #fieldDocuments = new Int32Array(FIELD_COUNT);

  get documentCount(): number {
    return this.#documentCount;
  }

  /** Documents holding `term` in any field (0 when none). */
  documentFrequency(term: string): number {
    return this.#terms.get(term)?.documents ?? 0;
  }

  has(term: string): boolean {
    return this.#terms.has(term);
  }

  /** Distinct terms indexed. */
  get termCount(): number {
    return this.#terms.size;
  }

  /** Indexes a document under `ordinal` (not indexed already). Returns its distinct terms. */
  add(ordinal: number, doc: SearchDocument): Set<string> {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= MAX_ORDINALS) throw new RangeError(`TermIndex: ordinal ${ordinal} out of range`);
    this.#ensure(ordinal + 1);
    this.#documentCount += 1;
    const distinct = new Set<string>();
    SEARCH_FIELDS.forEach((field, f) => {
      const frequencies = fieldFrequencies(doc[field]);
      const length = frequencies.size;
      this.#lengths[ordinal * FIELD_COUNT + f] = length;
      const count = this.#documentCount - 1;
      this.#averageLengths[f] = (this.#averageLengths[f]! * count + length) / (count + 1);
      for (const [term, frequency] of frequencies) {
        let entry = this.#terms.get(term);
        if (entry === undefined) {
          entry = { postings: [], documents: 0 };
          this.#terms.set(term, entry);
          this.#unsorted.push(term);
        }
        entry.postings.push(ordinal * POSTING_SLOTS + f * FREQUENCY_SLOTS + Math.min(frequency, FREQUENCY_SLOTS - 1));
        if (!distinct.has(term)) {
          distinct.add(term);
          entry.documents += 1;
        }
      }
    });
    return distinct;
  }

  /** Removes a document indexed under `ordinal` with exactly `doc`. Returns its distinct terms. */
  remove(ordinal: number, doc: SearchDocument): Set<string> {
    const distinct = new Set<string>();
    const count = this.#documentCount;
    SEARCH_FIELDS.forEach((field, f) => {
      const frequencies = fieldFrequencies(doc[field]);
      this.#averageLengths[f] = count === 1 ? 0 : (this.#averageLengths[f]! * count - frequencies.size) / (count - 1);
      this.#lengths[ordinal * FIELD_COUNT + f] = 0;
      for (const term of frequencies.keys()) {
        const entry = this.#terms.get(term);
        if (entry === undefined) continue;
        removePosting(entry.postings, ordinal * POSTING_SLOTS + f * FREQUENCY_SLOTS);
        if (!distinct.has(term)) {
          distinct.add(term);
          entry.documents -= 1;
        }
        // Left in #sorted/#unsorted: lookups check #terms, merges drop it.
        if (entry.postings.length === 0) this.#terms.delete(term);
      }
    });
    this.#documentCount -= 1;
    return distinct;
  }

  /**
   * The index terms a query term reaches: itself, the terms it is a prefix
   * of (when `prefix`), and those within `fuzzy` edits (when > 0); a term
   * both completes and is near the query term counts as a completion.
   */
  derivedTerms(term: string, prefix: boolean, fuzzy: number): DerivedTerm[] {
    const out: DerivedTerm[] = [];
    if (this.#terms.has(term)) out.push({ term, weight: 1 });
    const completions = new Set<string>();
    if (prefix) {
      for (const other of this.#completions(term)) {
        const distance = other.length - term.length;
        if (distance === 0 || completions.has(other)) continue;
        completions.add(other);
        out.push({ term: other, weight: (PREFIX_WEIGHT * other.length) / (other.length + 0.3 * distance) });
      }
    }
    if (fuzzy > 0) {
      for (const other of this.#terms.keys()) {
        if (other === term || completions.has(other) || Math.abs(other.length - term.length) > fuzzy) continue;
        const distance = boundedLevenshtein(term, other, fuzzy);
        if (distance > 0 && distance <= fuzzy) out.push({ term: other, weight: (FUZZY_WEIGHT * other.length) / (other.length + distance) });
      }
    }
    return out;
  }

  /**
   * The documents holding one of `derived`, each with
   * `Σ derived-term weight × field boost × BM25+` over the fields holding
   * it (what MiniSearch's search of the query term returned), in no order.
   */
  score(derived: readonly DerivedTerm[]): Postings {
    const branch = this.#branch;
    const branchTouched = this.#branchTouched;
    let count = 0;
    const idfs = this.#idfs;
    const fieldDocuments = this.#fieldDocuments;
    const lengths = this.#lengths;
    const averages = this.#averageLengths;
    const n = this.#documentCount;
    for (const { term, weight } of derived) {
      const postings = this.#terms.get(term)?.postings;
      if (postings === undefined) continue;
      fieldDocuments.fill(0);
      for (let i = 0; i < postings.length; i++) fieldDocuments[((postings[i]! % POSTING_SLOTS) / FREQUENCY_SLOTS) | 0]! += 1;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const matching = fieldDocuments[f]!;
        if (matching > 0) idfs[f] = Math.log(1 + (n - matching + 0.5) / (matching + 0.5)) * weight * BOOSTS[f]!;
      }
      for (let i = 0; i < postings.length; i++) {
        const posting = postings[i]!;
        const ordinal = Math.floor(posting / POSTING_SLOTS);
        const rest = posting - ordinal * POSTING_SLOTS;
        const f = rest >>> 16;
        const frequency = rest & (FREQUENCY_SLOTS - 1);
        const norm = BM25_K * (1 - BM25_B + (BM25_B * lengths[ordinal * FIELD_COUNT + f]!) / averages[f]!);
        const score = idfs[f]! * (BM25_D + (frequency * (BM25_K + 1)) / (frequency + norm));
        if (branch[ordinal] === 0) branchTouched[count++] = ordinal;
        branch[ordinal]! += score;
      }
    }
    const ordinals = new Int32Array(count);
    const scores = new Float64Array(count);
    for (let t = 0; t < count; t++) {
      const ordinal = branchTouched[t]!;
      ordinals[t] = ordinal;
      scores[t] = branch[ordinal]!;
      branch[ordinal] = 0;
    }
    return { ordinals, scores };
  }

  /** Index terms starting with `prefix` (itself included when indexed). */
  *#completions(prefix: string): Generator<string> {
    const sorted = this.#sortedTerms();
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! < prefix) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < sorted.length && sorted[i]!.startsWith(prefix); i++) if (this.#terms.has(sorted[i]!)) yield sorted[i]!;
    for (const term of this.#unsorted) if (term.startsWith(prefix) && this.#terms.has(term)) yield term;
  }

  /** The sorted vocabulary, merged with recent additions once they are many (a registration adds a term or two). */
  #sortedTerms(): string[] {
    if (this.#unsorted.length > UNSORTED_TERMS || this.#sorted.length > 2 * this.#terms.size + UNSORTED_TERMS) {
      const seen = new Set<string>();
      const merged: string[] = [];
      for (const term of [...this.#sorted, ...this.#unsorted]) {
        if (!this.#terms.has(term) || seen.has(term)) continue;
        seen.add(term);
        merged.push(term);
      }
      merged.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.#sorted = merged;
      this.#unsorted = [];
    }
    // A term removed and added again can sit in both lists: derivedTerms counts a completion once.
    return this.#sorted;
  }

  #ensure(size: number): void {
    if (size <= this.#branch.length) return;
    let capacity = this.#branch.length;
    while (capacity < size) capacity *= 2;
    const lengths = new Int32Array(capacity * FIELD_COUNT);
    lengths.set(this.#lengths);
    this.#lengths = lengths;
    this.#branch = new Float64Array(capacity);
    this.#branchTouched = new Int32Array(capacity);
  }
}

/** Term → occurrences in one analyzed field (terms joined by spaces). */
function fieldFrequencies(text: string): Map<string, number> {
  const frequencies = new Map<string, number>();
  if (text === '') return frequencies;
  for (const term of text.split(' ')) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  return frequencies;
}

/** Removes the posting of (ordinal, field) — the one whose value starts at `base` — swapping the last into its place. */
function removePosting(postings: number[], base: number): void {
  for (let i = 0; i < postings.length; i++) {
    const posting = postings[i]!;
    if (posting >= base && posting < base + FREQUENCY_SLOTS) {
      postings[i] = postings[postings.length - 1]!;
      postings.pop();
      return;
    }
  }
}

/** Levenshtein distance of `a` and `b`, or `max + 1` as soon as it must exceed `max`. */
export function boundedLevenshtein(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = new Array<number>(b.length + 1);
  let current = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [previous, current] = [current, previous];
  }
  const distance = previous[b.length]!;
  return distance > max ? max + 1 : distance;
}
