import { stemmer } from 'stemmer';
import lexicon from './paraphrases.json' with { type: 'json' };
import { textTerms } from './text-terms.js';

/**
 * The paraphrase lexicon (`paraphrases.json`, ADR 0030): everyday phrasings
 * of a business need ("days off", "charged twice", "fine print") and the
 * words cards use for it (vacation, billing, contract). Unlike the synonym
 * table (one word for one word, shared with registry search's BM25), an
 * entry may be a phrase, stop words included ("sign in", "back to me"), and
 * says what the request asks for rather than another spelling of a word.
 */
export interface ParaphraseEntry {
  /** Words or phrases people say. */
  says: string[];
  /** Words a card would use for the same need. */
  means: string[];
}

/** One paraphrase found in a request. */
export interface ParaphraseMatch {
  /** The phrase as the lexicon has it. */
  phrase: string;
  /** Stems of the request's words the phrase spans: covered when a candidate holds a `means` word. */
  source: Set<string>;
  /** Stems of the `means` words. */
  means: string[];
  /** The `means` words as written, for a search query. */
  meansWords: string[];
}

/** The lexicon as shipped. */
export const PARAPHRASE_LEXICON: readonly ParaphraseEntry[] = (lexicon as { entries: ParaphraseEntry[] }).entries;

/** Longest phrase (in words) looked for: the lexicon's phrases are short. */
const MAX_PHRASE_WORDS = 6;

interface Compiled {
  phrase: string;
  stems: string[];
  means: string[];
  meansWords: string[];
}

/**
 * Every word of a text, stop words kept (a phrase's "in" or "off" matters),
 * stemmed: the sequence phrases are looked for in. "%" reads as "percent";
 * apostrophes and hyphens split words on both sides alike ("sign-ups",
 * "can't"), so a phrase matches however the hyphen is written.
 */
export function wordStems(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').replaceAll('%', ' percent ').toLowerCase();
  return (folded.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length <= 40).map((w) => stemmer(w));
}

/** Compiles a lexicon: phrases to stem sequences, longest first (a longer phrase wins over one it contains). */
export function compileLexicon(entries: readonly ParaphraseEntry[]): readonly Compiled[] {
  const compiled: Compiled[] = [];
  for (const entry of entries) {
    const means = [...new Set(entry.means.flatMap((m) => textTerms(m).map((t) => t.stem)))];
    for (const phrase of entry.says) {
      const stems = wordStems(phrase);
      // A phrase of stop words only ("to-do" reads as "to do") would match half the requests there are.
      if (stems.length === 0 || stems.length > MAX_PHRASE_WORDS || means.length === 0 || textTerms(phrase).length === 0) continue;
      compiled.push({ phrase, stems, means, meansWords: entry.means });
    }
  }
  return compiled.sort((a, b) => b.stems.length - a.stems.length);
}

/** Compiled phrases by their first stem, longest first: a request is read word by word, each word looking up only the phrases it can start. */
type PhraseIndex = ReadonlyMap<string, readonly Compiled[]>;

function indexOf(table: readonly Compiled[]): PhraseIndex {
  const index = new Map<string, Compiled[]>();
  for (const entry of table) {
    const list = index.get(entry.stems[0]!) ?? [];
    list.push(entry);
    index.set(entry.stems[0]!, list);
  }
  return index;
}

let shipped: PhraseIndex | undefined;

/**
 * The paraphrases `text` says, each entry once; where phrases overlap, the
 * longest is taken first (a phrase inside a longer one found at the same
 * place is not counted again). Each word looks up only the phrases that
 * start with it: a few microseconds a request, since registry search calls
 * it on every query (CONTRIBUTING.md, "Hot paths").
 *
 * @example
 * findParaphrases('How many days off do I get?')[0]?.means; // ['vacat', 'leav', 'polici']
 */
export function findParaphrases(text: string, entries?: readonly ParaphraseEntry[]): ParaphraseMatch[] {
  const index = entries === undefined ? (shipped ??= indexOf(compileLexicon(PARAPHRASE_LEXICON))) : indexOf(compileLexicon(entries));
  const words = wordStems(text);
  // Every (start, phrase) that matches, longest phrases first, then left to right.
  const hits: Array<{ at: number; entry: Compiled }> = [];
  for (let i = 0; i < words.length; i++) {
    for (const entry of index.get(words[i]!) ?? []) {
      const n = entry.stems.length;
      if (i + n > words.length) continue;
      let same = true;
      for (let j = 1; j < n && same; j++) same = words[i + j] === entry.stems[j];
      if (same) hits.push({ at: i, entry });
    }
  }
  hits.sort((a, b) => b.entry.stems.length - a.entry.stems.length || a.at - b.at);
  const taken = new Array<boolean>(words.length).fill(false);
  const found = new Map<string, ParaphraseMatch>();
  for (const { at, entry } of hits) {
    const n = entry.stems.length;
    let free = true;
    for (let j = 0; j < n && free; j++) free = !taken[at + j];
    if (!free) continue;
    for (let j = 0; j < n; j++) taken[at + j] = true;
    const key = entry.means.join(' ');
    const prior = found.get(key);
    if (prior === undefined) found.set(key, { phrase: entry.phrase, source: new Set(entry.stems), means: entry.means, meansWords: entry.meansWords });
    else for (const s of entry.stems) prior.source.add(s);
  }
  return [...found.values()];
}
