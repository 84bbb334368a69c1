import { stemmer } from 'stemmer';

/**
 * The ranking's small text pipeline (router and registry re-ranking), used to
 * say which words matched. It follows the registry's analyzer in spirit
 * (Unicode words, compounds split, stop words dropped, Porter stems from
 * the same `stemmer` package) so that a word the registry matched is a word
 * we find again; it does not import the registry (roles talk over HTTP).
 */

const WORD = /[\p{L}\p{N}]+(?:['’_-][\p{L}\p{N}]+)*/gu;
/** {@link WORD} for printable-ASCII text, where letters and digits are exactly these: no Unicode tables to consult (several times faster). */
const ASCII_WORD = /[A-Za-z0-9]+(?:['_-][A-Za-z0-9]+)*/g;
const MARKS = /\p{M}+/gu;
const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})/u;
const CLITIC = /['’](?:s|t|re|ve|ll|d|m)$/iu;

/**
 * Words that carry no topic: grammar, and the phrasing of a request ("can
 * you", "please", "this"). Routing needs only the words that say what is asked.
 */
const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'after', 'again', 'all', 'am', 'an', 'and', 'any', 'are', 'as', 'at',
  'be', 'been', 'being', 'both', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'doing', 'don',
  'each', 'for', 'from', 'get', 'give', 'got', 'had', 'has', 'have', 'he', 'her', 'here', 'him', 'his', 'how',
  'i', 'if', 'in', 'into', 'is', 'it', 'its', 'just', 'let', 'like', 'many', 'may', 'me', 'might', 'more', 'most', 'much', 'must', 'my',
  'need', 'no', 'not', 'now', 'of', 'on', 'only', 'or', 'our', 'ours', 'out', 'please', 'shall', 'she', 'should', 'so', 'some',
  'such', 'than', 'that', 'the', 'their', 'them', 'then', 'there', 'these', 'they', 'this', 'those', 'to', 'too',
  'up', 'us', 'very', 'want', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom', 'why',
  'will', 'with', 'would', 'you', 'your', 'yours', 'agent', 'agents', 'help', 'tell', 'show', 'find',
]);

/** One topic word of a text: as written (lowercased) and its stem. */
export interface TextTerm {
  word: string;
  stem: string;
}

/**
 * The topic words of `text`, in order, without repeats (by stem).
 * Compounds yield their parts ("lead-scorer" → lead, scorer; "reviewContract" → review, contract).
 *
 * @example
 * textTerms('Review this contract for risky clauses'); // review, contract, risky→riski, clauses→claus
 */
export function textTerms(text: string): TextTerm[] {
  const out: TextTerm[] = [];
  const seen = new Set<string>();
  // NFKD folding only where needed: most text is printable ASCII.
  const ascii = ASCII.test(text);
  const folded = ascii ? text : text.normalize('NFKD').replace(MARKS, '');
  for (const match of folded.matchAll(ascii ? ASCII_WORD : WORD)) {
    for (const term of wordTerms(match[0])) {
      if (seen.has(term.stem)) continue;
      seen.add(term.stem);
      out.push(term);
    }
  }
  return out;
}

const ASCII = /^[ -~\t\n\r]*$/;
/** Distinct words remembered before the memo starts over. */
const MEMO_SIZE = 50_000;
const WORD_MEMO = new Map<string, readonly TextTerm[]>();
const DIGITS = /^[0-9]+$/;
const HAS_DIGIT = /[0-9]/;

/**
 * The topic terms of one word, memoized: documents and requests repeat their
 * vocabulary, and the regexes and the stemmer are the cost (a registry
 * re-ranking the head of a search over 100,000 agents analyzes 20 new cards).
 */
function wordTerms(raw: string): readonly TextTerm[] {
  let terms = WORD_MEMO.get(raw);
  if (terms === undefined) {
    const list: TextTerm[] = [];
    const word = raw.replace(CLITIC, '').replaceAll(/['’]/g, '');
    for (const piece of word.split(/[_-]/).flatMap((p) => p.split(CAMEL_BOUNDARY))) {
      const term = pieceTerm(piece);
      if (term !== undefined) list.push(term);
    }
    terms = list;
    // Words holding a digit are mostly ids and counters ("invoices-2026", agent-17): remembering them
    // would fill the memo with words seen once and empty it every few searches over a large registry.
    if (!HAS_DIGIT.test(raw)) {
      if (WORD_MEMO.size >= MEMO_SIZE) WORD_MEMO.clear();
      WORD_MEMO.set(raw, terms);
    }
  }
  return terms;
}

const PIECE_MEMO = new Map<string, TextTerm | null>();

/**
 * The term of one piece of a word, memoized when it holds no digit: the
 * pieces of a word that is not (an agent's name, "sales-score-leads-17")
 * are everyday words, stemmed once.
 */
function pieceTerm(piece: string): TextTerm | undefined {
  const memo = PIECE_MEMO.get(piece);
  if (memo !== undefined) return memo ?? undefined;
  const term = pieceTermNow(piece);
  if (!HAS_DIGIT.test(piece)) {
    if (PIECE_MEMO.size >= MEMO_SIZE) PIECE_MEMO.clear();
    PIECE_MEMO.set(piece, term ?? null);
  }
  return term;
}

function pieceTermNow(piece: string): TextTerm | undefined {
  const lower = piece.toLowerCase();
  if (lower.length < 2 || lower.length > 40 || STOP_WORDS.has(lower)) return undefined;
  // Numbers are their own stems (Porter changes only letter suffixes): no stemmer call.
  const stem = DIGITS.test(lower) ? lower : stemmer(lower);
  // A plural of a stop word ("sign-ups" → sign, ups) is no more a topic than the word.
  if (STOP_WORDS.has(stem)) return undefined;
  return { word: lower, stem };
}

/**
 * Calls `visit` with each topic term of `text`, in order, repeats included:
 * {@link textTerms} without its array and its set, for a caller that only
 * collects stems (a document analyzed at registration).
 */
export function visitTerms(text: string, visit: (term: TextTerm) => void): void {
  const ascii = ASCII.test(text);
  const folded = ascii ? text : text.normalize('NFKD').replace(MARKS, '');
  // One shared pattern, not a copy per call (matchAll's): nothing below runs it again before it is done.
  const pattern = ascii ? ASCII_WORD : WORD;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(folded); match !== null; match = pattern.exec(folded)) for (const term of wordTerms(match[0])) visit(term);
}

/** The set of stems of `texts` (documents: every field of a skill, joined). */
export function stemSet(texts: ReadonlyArray<string | undefined>): Set<string> {
  const stems = new Set<string>();
  for (const text of texts) if (text) for (const term of textTerms(text)) stems.add(term.stem);
  return stems;
}
