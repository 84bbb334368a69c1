import MiniSearch from 'minisearch';
import handbook from '../data/hr-policies.json' with { type: 'json' };
import { indexTerm, queryTerm, terms } from './policy-terms.js';

/** A paragraph of the handbook: the unit of retrieval. */
export interface PolicyPassage {
  id: string;
  section: string;
  text: string;
}

export interface PolicyMatch extends PolicyPassage {
  /** BM25 relevance, scaled so the best passage is 1. */
  score: number;
}

export interface PolicyAnswer {
  /** The sentence (or two) answering the question, after the section it comes from; a pointer to HR when nothing matches. */
  answer: string;
  section: string | undefined;
  passages: PolicyMatch[];
}

const HANDBOOK = handbook as { title: string; sections: Array<{ title: string; paragraphs: string[] }> };
const NO_ANSWER = 'I could not find this in the employee handbook; please ask HR at hr@example.com.';

const slug = (title: string): string => title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export const policyPassages: readonly PolicyPassage[] = HANDBOOK.sections.flatMap((s) => s.paragraphs.map((text, i) => ({ id: `${slug(s.title)}-${i + 1}`, section: s.title, text })));

const index = new MiniSearch<PolicyPassage>({
  fields: ['section', 'text'],
  storeFields: ['section', 'text'],
  processTerm: indexTerm,
  // A question about "parental leave" is about that section first.
  searchOptions: { boost: { section: 2 }, processTerm: queryTerm, combineWith: 'OR', fuzzy: 0.15 },
});
index.addAll(policyPassages as PolicyPassage[]);

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z])/);
}

/** Most sentences an answer quotes. */
const ANSWER_SENTENCES = 2;

/**
 * The sentences of a passage that cover the question's terms, greedily: the
 * one sharing most terms (the first on a tie), then another only if it adds
 * terms the first lacks ("is my stolen laptop…": the laptop sentence, then
 * the one on reporting theft). In passage order.
 */
function answerSentences(passage: string, question: string): string {
  const wanted = new Set(question.split(/\s+/).flatMap((w) => queryTerm(w) ?? []));
  const candidates = sentences(passage).map((text, i) => ({ text, i, covers: new Set(terms(text).filter((t) => wanted.has(t))) }));
  const chosen: typeof candidates = [];
  const covered = new Set<string>();
  while (chosen.length < ANSWER_SENTENCES) {
    let best: (typeof candidates)[number] | undefined;
    let gain = 0;
    for (const c of candidates) {
      const adds = [...c.covers].filter((t) => !covered.has(t)).length;
      if (adds > gain) [best, gain] = [c, adds];
    }
    if (best === undefined) break;
    chosen.push(best);
    for (const t of best.covers) covered.add(t);
  }
  if (chosen.length === 0) chosen.push(candidates[0]!);
  return chosen.sort((a, b) => a.i - b.i).map((c) => c.text).join(' ');
}

/**
 * Answers a question about company policy by BM25 retrieval (MiniSearch)
 * over the bundled handbook's paragraphs: the top passages, and the sentence
 * of the best one that cover the question's words.
 *
 * @example
 * answerPolicyQuestion('how many vacation days do I get?').section; // 'Vacation and paid time off'
 */
export function answerPolicyQuestion(question: string, topK = 3): PolicyAnswer {
  const results = index.search(question).slice(0, topK);
  if (results.length === 0) return { answer: NO_ANSWER, section: undefined, passages: [] };
  const top = results[0]!.score;
  const passages = results.map((r) => ({ id: String(r.id), section: r['section'] as string, text: r['text'] as string, score: Math.round((r.score / top) * 100) / 100 }));
  const best = passages[0]!;
  return { answer: `${best.section}: ${answerSentences(best.text, question)}`, section: best.section, passages };
}

/** The handbook's section titles, for the card. */
export const policySections: readonly string[] = HANDBOOK.sections.map((s) => s.title);
