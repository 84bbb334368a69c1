import { stemmer } from 'stemmer';
import { QUERY_FILLER_WORDS, STOP_WORDS } from './stop-words.js';

/**
 * The one text pipeline of the search index, shared by documents, queries and
 * the synonym table so that all three meet on the same terms:
 *
 * 1. Unicode-aware word split: runs of letters and digits in any script,
 *    joined by inner `-`, `_` or apostrophes ("look-alike", "o'neil").
 * 2. Accents folded (NFKD, marks dropped) and lowercased.
 * 3. Compounds split into parts (hyphens, underscores, camelCase — skill ids
 *    such as `scoreLookalike`) while the joined form is kept too, so "e-signature"
 *    matches both "signature" and "esignature".
 *    Runs of Chinese/Japanese ideographs and kana, written without spaces,
 *    become overlapping character bigrams (the usual CJK analyzer approach).
 * 4. Stop words dropped; one-letter tokens dropped (except ideographs).
 * 5. Porter stemming (`stemmer`, an English stemmer: other languages are
 *    tokenized correctly but stemmed only where their suffixes look English).
 */

const WORD = /[\p{L}\p{N}]+(?:['’_-][\p{L}\p{N}]+)*/gu;
/** {@link WORD} for printable-ASCII text, where letters and digits are exactly these: no Unicode tables to consult. */
const ASCII_WORD = /[A-Za-z0-9]+(?:['_-][A-Za-z0-9]+)*/g;
const MARKS = /\p{M}+/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})/u;
const JOINERS = /[_-]/;
// English clitics dropped whole: "manager's" → "manager", "don't" → "don".
const CLITIC = /['’](?:s|t|re|ve|ll|d|m)$/iu;
/** Longer tokens are hashes, ids or base64, never words anyone searches for. */
const MAX_TOKEN_LENGTH = 40;
const ASCII = /^[ -~\t\n\r]*$/;
/** Distinct words remembered by the memos below before they start over. */
const MEMO_SIZE = 50_000;
const PARTS_MEMO = new Map<string, ReadonlyArray<{ text: string; joined: boolean }>>();
const TERM_MEMO = new Map<string, string | null>();

interface Token {
  text: string;
  /** The joined form of a compound ("esignature"), emitted after its parts. */
  joined: boolean;
  /** Ordinal of the word the token came from. */
  word: number;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let ordinal = 0;
  // NFKD folding and the Unicode word pattern only where needed: most card text is printable ASCII.
  const ascii = ASCII.test(text);
  const folded = ascii ? text : text.normalize('NFKD').replace(MARKS, '');
  for (const match of folded.matchAll(ascii ? ASCII_WORD : WORD)) {
    for (const part of wordParts(match[0])) out.push({ text: part.text, joined: part.joined, word: ordinal });
    ordinal += 1;
  }
  return out;
}

/** Parts of one word, memoized: card and query vocabularies repeat, the regexes are the cost. */
function wordParts(word: string): ReadonlyArray<{ text: string; joined: boolean }> {
  let parts = PARTS_MEMO.get(word);
  if (parts === undefined) {
    parts = splitWord(word);
    if (PARTS_MEMO.size >= MEMO_SIZE) PARTS_MEMO.clear();
    PARTS_MEMO.set(word, parts);
  }
  return parts;
}

function splitWord(raw: string): Array<{ text: string; joined: boolean }> {
  const word = raw.replace(CLITIC, '').replaceAll(/['’]/g, '');
  if (CJK.test(word)) return word.split(JOINERS).flatMap(bigrams).map((text) => ({ text, joined: false }));
  const pieces = word.split(JOINERS).flatMap((piece) => piece.split(CAMEL_BOUNDARY));
  const parts = pieces.map((piece) => ({ text: piece.toLowerCase(), joined: false }));
  if (pieces.length > 1) parts.push({ text: pieces.join('').toLowerCase(), joined: true });
  return parts;
}

function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 3) return [run];
  return chars.slice(1).map((char, i) => `${chars[i]}${char}`);
}

/**
 * Surface tokens of `text`, lowercased and accent-folded, before stop words
 * and stemming. Compounds yield their parts followed by the joined form.
 *
 * @example
 * tokenize('DealScale e-Signature'); // ['deal', 'scale', 'dealscale', 'e', 'signature', 'esignature']
 */
export function tokenize(text: string): string[] {
  return tokens(text).map((t) => t.text);
}

/** The index term of one surface token, or undefined when the token is not worth indexing. */
export function termOf(token: string): string | undefined {
  let term = TERM_MEMO.get(token);
  if (term === undefined) {
    term = (token.length < 2 && !CJK.test(token)) || token.length > MAX_TOKEN_LENGTH || STOP_WORDS.has(token) ? null : stemmer(token);
    if (TERM_MEMO.size >= MEMO_SIZE) TERM_MEMO.clear();
    TERM_MEMO.set(token, term);
  }
  return term ?? undefined;
}

/** Index terms of a document text, in order, repeats kept (term frequency matters). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokens(text)) {
    const term = termOf(token.text);
    if (term !== undefined) terms.push(term);
  }
  return terms;
}

/** One word of a query: what the user typed, the term it searches for, and compound spellings of it. */
export interface QueryWord {
  token: string;
  term: string;
  /** Terms of the joined compound this word ends ("opensourc" for "open-source"), searched as equals. */
  joinedTerms: string[];
}

/**
 * Query words in order, without stop words, request filler or repeats. The
 * joined form of a compound is not a word of its own (that would count the
 * concept twice): it rides on the compound's last part.
 */
export function analyzeQuery(text: string): QueryWord[] {
  const words: Array<QueryWord & { word: number }> = [];
  const seen = new Set<string>();
  for (const token of tokens(text)) {
    if (QUERY_FILLER_WORDS.has(token.text)) continue;
    const term = termOf(token.text);
    if (term === undefined || seen.has(term)) continue;
    seen.add(term);
    const last = words.at(-1);
    if (token.joined && last !== undefined && last.word === token.word) last.joinedTerms.push(term);
    else words.push({ token: token.text, term, joinedTerms: [], word: token.word });
  }
  return words.map(({ token, term, joinedTerms }) => ({ token, term, joinedTerms }));
}
