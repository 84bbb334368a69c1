import { findCues, type CueMatch } from './intent-cues.js';
import { findParaphrases, type ParaphraseMatch } from './paraphrases.js';
import { synonymsOf } from './synonyms.js';
import { stemSet, textTerms, visitTerms, type TextTerm } from './text-terms.js';

/**
 * What the ranking knows of one candidate (an agent, or a workflow the
 * router can start). Every field is plain text; the ranking analyzes it.
 */
export interface RankDocument {
  /** The agent's name, or `workflow:<name>`. */
  id: string;
  kind: 'agent' | 'workflow';
  /** Card name and record name. */
  name: string[];
  /** Skill names and ids. */
  skills: string[];
  /** Skill tags and record tags. */
  tags: string[];
  /** The card's description. */
  description: string[];
  /** The skills' descriptions. */
  skillDescriptions: string[];
  /** Skill examples and ARD `representativeQueries`: phrased like requests. */
  examples: string[];
  /** Field names of the skills' input schemas (`leadIds` → lead, ids). */
  inputs: string[];
  /** The record's department. */
  department: string[];
  /** Requests a user of this tenant confirmed for this candidate (a choice or a correction). */
  learned?: string[];
  /** A workflow's steps (the skills they call): a request naming the work of several of them fits the workflow. */
  steps?: string[];
}

/**
 * Weight of a word by the field it is found in: what a candidate and its
 * skills are called, its tags and department say what it is; examples and
 * input field names are close to how requests are phrased; descriptions are
 * longer prose where a word says less.
 */
export const FIELD_WEIGHTS = Object.freeze({
  name: 3,
  skills: 3,
  tags: 2.5,
  department: 2,
  examples: 1.5,
  inputs: 1.5,
  description: 1.2,
  skillDescriptions: 1,
});

type Field = keyof typeof FIELD_WEIGHTS;
const isField = (name: string): name is Field => Object.hasOwn(FIELD_WEIGHTS, name);
const FIELDS = Object.keys(FIELD_WEIGHTS).filter(isField);
/** Fields a cue's `prefers` words must be in, a bit each in FIELDS order. */
const STRONG_FIELDS = (['name', 'skills', 'tags', 'department'] as const).reduce((bits, field) => bits | (1 << FIELDS.indexOf(field)), 0);

/**
 * Words that say little about which specialist is meant (times, generic
 * verbs and nouns): they count a third of a topic word, and leaving them
 * unmatched costs little.
 */
const GENERIC = stemSet([
  'next last this week month year day days today tomorrow yesterday morning quarter time right now new old first',
  'make do run write create generate set build put take start give know look check work thing something everything',
  'number one two three ten hundred thousand list data our company business customer customers client clients team',
]);

/** How much a request's similarity to a confirmed request adds, at full similarity. */
const LEARNED_WEIGHT = 6;
/** Similarity (share of the request's topic words) below which a confirmed request is not counted. */
const LEARNED_MIN_SIMILARITY = 0.6;
/** What a registry relevance of 100 adds (a strong BM25 match is worth about two well-matched words). */
const PRIOR_WEIGHT = 6;
/** What each step of a workflow the request names, beyond the first, adds. */
const STEP_WEIGHT = 3;
/**
 * Weight of a paraphrase's card word against the request's own word
 * ("days off" → vacation): between a related synonym (0.5) and the word
 * itself, calibrated on the tuning set (eval/routing/tuning.jsonl, ADR 0030).
 */
export const PARAPHRASE_WEIGHT = 0.8;
/** What saying a phrase of a candidate's skill name as written adds. */
const PHRASE_WEIGHT = 3;
/** Share of the score a candidate keeps whatever its coverage; the rest grows with coverage. */
const COVERAGE_FLOOR = 0.5;
/** The 0–100 score of a raw score of this many well-matched words' worth is about 63. */
const SCORE_SCALE = 6;

/** One candidate as ranked. */
export interface RankedCandidate {
  id: string;
  kind: 'agent' | 'workflow';
  /** 0–100: grows with the weighted words and cues matched; not relative to the other candidates. */
  score: number;
  /** The unbounded sum behind `score`. */
  raw: number;
  /** Share (0–1, IDF-weighted) of the request's topic words this candidate covers, cues included. */
  coverage: number;
  /** The request's words found on the candidate, in request order. */
  matched: string[];
  /** What decided, for explanations: `field:word`, `cue:<id>`, `learned`. */
  cues: string[];
  /** Distinct pieces of evidence: topic words matched (generic ones aside), cues, a confirmed request. */
  evidence: number;
}

/** Options of {@link rank}. */
export interface RankOptions {
  /** Registry search relevance (0–100) by candidate id: counted when given. */
  prior?: ReadonlyMap<string, number>;
}

/** The ranking of one request. */
export interface Ranking {
  /** Best first; ties by id. */
  candidates: RankedCandidate[];
  /** The request's topic words. */
  terms: string[];
  /** Ids of the cues the request holds. */
  cues: string[];
}

/**
 * One candidate analyzed for the ranking: the distinct stems of its fields,
 * each with a bit per field holding it, its name phrases, confirmed requests
 * and workflow steps. Built by {@link analyzeDocument}; a caller ranking the
 * same candidates for many requests (the registry, for each indexed agent)
 * keeps it, so a request costs no analysis of the candidates.
 *
 * Compact on purpose (a sorted array of stems and a one-byte-a-stem string
 * of field bits, about half a kilobyte for a card): the registry keeps one
 * for each of 100,000 agents. A set per field cost ten times that, and
 * analyzing the head's cards per search was most of a search's allocation.
 */
export class AnalyzedDocument {
  /** The candidate's id (agent name or `workflow:<name>`). */
  readonly id: string;
  readonly kind: 'agent' | 'workflow';
  /** Stem sequences of two words or more of what the candidate and its skills are called ("Score leads"), without repeats. */
  readonly phrases: ReadonlyArray<readonly string[]>;
  readonly learned: ReadonlyArray<ReadonlySet<string>>;
  /** Per step, its distinctive stems (those not shared by every step). */
  readonly steps: ReadonlyArray<ReadonlySet<string>>;
  /** Distinct stems of every field, in code-unit order (binary search). */
  readonly #stems: readonly string[];
  /** Bit i (of FIELDS) of character k: field i holds stem k. */
  readonly #fields: string;

  /** @internal Built by {@link analyzeDocument}. */
  constructor(doc: RankDocument, fieldsByStem: ReadonlyMap<string, number>, phrases: ReadonlyArray<readonly string[]>, learned: ReadonlyArray<ReadonlySet<string>>, steps: ReadonlyArray<ReadonlySet<string>>) {
    this.id = doc.id;
    this.kind = doc.kind;
    this.phrases = phrases;
    this.learned = learned;
    this.steps = steps;
    this.#stems = [...fieldsByStem.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.#fields = String.fromCharCode(...this.#stems.map((stem) => fieldsByStem.get(stem)!));
  }

  /** The fields holding `stem`, a bit each in FIELDS order; 0 when none does. */
  fieldsOf(stem: string): number {
    const stems = this.#stems;
    let low = 0;
    let high = stems.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = stems[mid]!;
      if (at === stem) return this.#fields.charCodeAt(mid);
      if (at < stem) low = mid + 1;
      else high = mid - 1;
    }
    return 0;
  }

  /** Whether field `field` (an index into FIELDS) holds `stem`. */
  has(field: number, stem: string): boolean {
    return (this.fieldsOf(stem) & (1 << field)) !== 0;
  }
}

/**
 * Ranks `documents` for `text` (ADR 0019), the one ranking registry
 * search and the router share:
 * - each topic word of the request counts its IDF among the candidates
 *   (a word every candidate holds decides nothing) × the weight of the best
 *   field it is found in ({@link FIELD_WEIGHTS}); generic words count a third;
 * - each intent cue of the request ("similar to", "cost of", …) adds its
 *   weight to the candidates whose strong fields hold one of its words;
 * - a request close to one a user of the tenant confirmed for a candidate
 *   adds up to {@link LEARNED_WEIGHT};
 * - `coverage` is the IDF-weighted share of the request's words a candidate
 *   covers: capitalized words (names: Acme, Berlin) and numbers count only
 *   when found, so naming a customer costs nothing.
 *
 * @example
 * rank('score leads similar to my best customers', docs).candidates[0]?.id; // 'audience-architect'
 */
export function rank(text: string, documents: ReadonlyArray<RankDocument | AnalyzedDocument>, options: RankOptions = {}): Ranking {
  const terms = textTerms(text);
  const names = namedWords(text);
  const cueMatches = findCues(text);
  const paraphrases = findParaphrases(text);
  const analyzed = documents.map(analyze);
  const n = analyzed.length;
  const df = new Map<string, number>();
  for (const term of terms) {
    const spellings = [term.stem, ...synonymsOf(term.stem).map((s) => s.stem)];
    df.set(term.stem, analyzed.filter((d) => spellings.some((s) => d.fieldsOf(s) !== 0)).length);
  }
  // A paraphrase's card words weigh by their own IDF among the candidates; a word of the request a paraphrase spans is as common as the paraphrase's words (as a synonym's spellings count for a word).
  const meansIdf = new Map<string, number>();
  for (const p of paraphrases) for (const stem of p.means) if (!meansIdf.has(stem)) meansIdf.set(stem, Math.log(1 + (n + 1) / (analyzed.filter((d) => d.fieldsOf(stem) !== 0).length + 0.5)));
  for (const p of paraphrases) {
    const holders = analyzed.filter((d) => p.means.some((m) => d.fieldsOf(m) !== 0)).length;
    for (const term of terms) if (p.source.has(term.stem)) df.set(term.stem, Math.max(df.get(term.stem) ?? 0, holders));
  }
  const weightOf = (term: TextTerm): number => {
    const idf = Math.log(1 + (n + 1) / ((df.get(term.stem) ?? 0) + 0.5));
    return GENERIC.has(term.stem) ? idf / 3 : idf;
  };
  const cueStems = new Set(cueMatches.flatMap((c) => [...c.stems]));
  const optional = (term: TextTerm): boolean => names.has(term.word) || /^\d+$/.test(term.word);
  const known = (term: TextTerm): boolean => (df.get(term.stem) ?? 0) > 0;
  const candidates = analyzed.map((d) => score(d, terms, weightOf, known, cueMatches, cueStems, optional, options.prior?.get(d.id), paraphrases, meansIdf));
  candidates.sort((a, b) => b.raw - a.raw || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { candidates, terms: terms.map((t) => t.word), cues: cueMatches.map((c) => c.cue.id) };
}

function score(d: AnalyzedDocument, terms: TextTerm[], weightOf: (t: TextTerm) => number, known: (t: TextTerm) => boolean, cueMatches: CueMatch[], cueStems: Set<string>, optional: (t: TextTerm) => boolean, prior: number | undefined, paraphrases: ParaphraseMatch[], meansIdf: ReadonlyMap<string, number>): RankedCandidate {
  let raw = 0;
  let covered = 0;
  let total = 0;
  const matched: string[] = [];
  const cues: string[] = [];
  // Paraphrases ("days off" → vacation): the best field holding one of the card words, at PARAPHRASE_WEIGHT; the words the phrase spans count as covered.
  const paraphrased = new Set<string>();
  let paraphraseCount = 0;
  for (const p of paraphrases) {
    let best = 0;
    for (const stem of p.means) {
      const held = d.fieldsOf(stem);
      for (let f = 0; f < FIELDS.length; f++) if ((held >>> f) & 1) best = Math.max(best, (meansIdf.get(stem) ?? 0) * FIELD_WEIGHTS[FIELDS[f]!]);
    }
    if (best === 0) continue;
    raw += best * PARAPHRASE_WEIGHT;
    // A phrase of two words or more ("another country", "charged twice") is more specific evidence than one word.
    paraphraseCount += p.source.size >= 2 ? 2 : 1;
    for (const s of p.source) paraphrased.add(s);
    if (cues.length < 6) cues.push(`paraphrase:${p.phrase}`);
  }
  const favoured = cueMatches.filter((c) => (c.cue.kind === undefined || c.cue.kind === d.kind) && (c.prefers.size === 0 || [...c.prefers].some((p) => (d.fieldsOf(p) & STRONG_FIELDS) !== 0)));
  const favouredStems = new Set(favoured.flatMap((c) => [...c.stems]));
  for (const term of terms) {
    const weight = weightOf(term);
    let best: Field | undefined;
    let factor = 1;
    const held = d.fieldsOf(term.stem);
    for (let f = 0; f < FIELDS.length; f++) {
      const field = FIELDS[f]!;
      if ((held >>> f) & 1 && (best === undefined || FIELD_WEIGHTS[field] > FIELD_WEIGHTS[best])) best = field;
    }
    if (best === undefined) {
      // A synonym of the word (prospect ~ lead), at its table weight.
      for (const synonym of synonymsOf(term.stem)) {
        const heldSynonym = d.fieldsOf(synonym.stem);
        for (let f = 0; f < FIELDS.length; f++) {
          const field = FIELDS[f]!;
          if ((heldSynonym >>> f) & 1 && (best === undefined || FIELD_WEIGHTS[field] * synonym.weight > FIELD_WEIGHTS[best] * factor)) {
            best = field;
            factor = synonym.weight;
          }
        }
      }
    }
    const isOptional = optional(term);
    if (best !== undefined) {
      raw += weight * FIELD_WEIGHTS[best] * factor;
      matched.push(term.word);
      if (cues.length < 6) cues.push(`${best}:${term.word}`);
      covered += weight * factor;
      total += weight;
    } else if (favouredStems.has(term.stem) || paraphrased.has(term.stem)) {
      covered += weight;
      total += weight;
    } else if (!isOptional && !(cueStems.has(term.stem) && favoured.length > 0)) {
      // A word no candidate holds (a product, a place, a detail of the case) costs a quarter of one they hold.
      total += known(term) ? weight : weight / 4;
    }
  }
  // A phrase of its name said as written ("score my leads" for "Score leads"): the request names the skill.
  const sequence = terms.map((t) => t.stem);
  const phrase = d.phrases.find((p) => containsRun(sequence, p));
  if (phrase !== undefined) {
    raw += PHRASE_WEIGHT;
    cues.push(`phrase:${phrase.join(' ')}`);
  }
  for (const cue of favoured) {
    raw += cue.cue.weight * 2;
    cues.push(`cue:${cue.cue.id}`);
  }
  // A workflow whose steps' work the request names, several of them, with a cue that several kinds of work are asked.
  if (d.steps.length > 1 && favoured.some((c) => c.cue.kind === 'workflow')) {
    const spelled = new Set(terms.flatMap((t) => [t.stem, ...synonymsOf(t.stem).filter((x) => x.weight === 1).map((x) => x.stem)]));
    const named = d.steps.filter((step) => [...step].some((stem) => spelled.has(stem))).length;
    if (named >= 2) {
      raw += STEP_WEIGHT * (named - 1);
      cues.push(`steps:${named}`);
    }
  }
  // A workflow does several agents' work: without a cue that several kinds of work are asked, one agent's request is that agent's.
  if (d.kind === 'workflow' && !favoured.some((c) => c.cue.kind === 'workflow')) raw /= 2;
  let learned = 0;
  const stems = new Set(terms.map((t) => t.stem));
  // Similarity: shared stems over the larger of the two requests (Jaccard-like, strict enough that one common word is not a match).
  for (const example of d.learned) {
    let common = 0;
    for (const s of example) if (stems.has(s)) common += 1;
    const similarity = stems.size === 0 ? 0 : common / Math.max(stems.size, example.size);
    if (similarity >= LEARNED_MIN_SIMILARITY) learned = Math.max(learned, similarity);
  }
  if (learned > 0) {
    raw += LEARNED_WEIGHT * 2 * learned;
    cues.push(`learned:${learned.toFixed(2)}`);
    covered = Math.max(covered, total * learned);
  }
  const coverage = total === 0 ? (raw > 0 ? 1 : 0) : Math.min(1, covered / total);
  const evidence = terms.filter((t) => !GENERIC.has(t.stem) && matched.includes(t.word)).length + favoured.length + paraphraseCount + (learned > 0 ? 1 : 0);
  // The registry's corpus-wide BM25 relevance (0–100), when known: IDF over every agent, not only these candidates.
  if (prior !== undefined && prior > 0) {
    raw += (PRIOR_WEIGHT * Math.min(100, prior)) / 100;
    cues.push(`bm25:${Math.round(prior)}`);
  }
  // Covering more of the request counts, as in the registry's BM25 coverage: a candidate strong on one word of three loses to one matching all three.
  raw *= COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage;
  return { id: d.id, kind: d.kind, score: Math.round(100 * (1 - Math.exp(-raw / SCORE_SCALE / 2))), raw: Math.round(raw * 100) / 100, coverage: Math.round(coverage * 100) / 100, matched, cues, evidence };
}

/** Analyses of documents kept while the document object lives (the router's candidates). */
const ANALYZED = new WeakMap<RankDocument, AnalyzedDocument>();

function analyze(doc: RankDocument | AnalyzedDocument): AnalyzedDocument {
  if (doc instanceof AnalyzedDocument) return doc;
  const cached = ANALYZED.get(doc);
  if (cached !== undefined) return cached;
  const analyzed = analyzeDocument(doc);
  ANALYZED.set(doc, analyzed);
  return analyzed;
}

/**
 * What {@link rank} reads of a document, analyzed now. Rank the result
 * instead of the document when the same candidate is ranked again and again
 * (the registry keeps one for each indexed agent).
 */
export function analyzeDocument(doc: RankDocument): AnalyzedDocument {
  const fieldsByStem = new Map<string, number>();
  FIELDS.forEach((field, f) => {
    const bit = 1 << f;
    const visit = ({ stem }: TextTerm): void => void fieldsByStem.set(stem, (fieldsByStem.get(stem) ?? 0) | bit);
    for (const text of doc[field] ?? []) if (text) visitTerms(text, visit);
  });
  const phrases: string[][] = [];
  const seen = new Set<string>();
  for (const name of [...doc.name, ...doc.skills]) {
    const phrase = textTerms(name).map((t) => t.stem);
    // A repeated phrase (a card name and its record name, a skill's name and its id) finds nothing the first did not.
    const key = phrase.join(' ');
    if (phrase.length < 2 || seen.has(key)) continue;
    seen.add(key);
    phrases.push(phrase);
  }
  const stepStems = [...new Set(doc.steps ?? [])].map((step) => stemSet([step]));
  const everyStep = stepStems.length > 1 ? [...stepStems[0]!].filter((stem) => stepStems.every((st) => st.has(stem))) : [];
  const steps = stepStems.map((st) => new Set([...st].filter((stem) => !everyStep.includes(stem))));
  const learned = (doc.learned ?? []).map((q) => stemSet([q]));
  return new AnalyzedDocument(doc, fieldsByStem, phrases, learned.length === 0 ? NONE : learned, steps.length === 0 ? NONE : steps);
}

/** Shared by every document without confirmed requests or steps. */
const NONE: ReadonlyArray<ReadonlySet<string>> = Object.freeze([]);

/** Whether `run` occurs in `sequence` as consecutive items. */
function containsRun(sequence: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= sequence.length; i++) {
    for (let j = 0; j < run.length; j++) if (sequence[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Words written with a capital inside a sentence (Acme, Berlin, Tuesday):
 * names, which a request may carry without saying what it wants.
 */
function namedWords(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<=[\p{L}\p{N},;:'"’)] +)(\p{Lu}[\p{L}\p{N}]*)/gu)) names.add(match[1]!.toLowerCase());
  return names;
}
