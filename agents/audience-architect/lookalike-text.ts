import { generatedLeadIds } from '../shared/generated-leads.js';
import { leadIdsInText } from '../shared/sample-leads.js';

/** A lookalike request read from words; see {@link lookalikeText}. */
export interface LookalikeRequest {
  candidateIds?: string[];
  seedIds?: string[];
  top?: number;
  evaluate?: boolean;
}

// Words after which the lead ids named are the seeds ("lookalikes of lead-001"), not the candidates.
const SEED_MARKER = /\b(?:like|similar to|resembl\w*|lookalikes? (?:of|for)|look like|seed(?:s|ed| set)?(?: (?:with|by|of|are|is))?:?)\s/i;
const EVALUATION = /\b(?:precision|recall|f1|f-score|accuracy|evaluat\w*|hold-?out|how (?:good|accurate|well)|measure\w*)\b/i;

/**
 * Reads a lookalike request in words: lead ids before a seed marker
 * ("like", "similar to", "lookalikes of", "seeds") are candidates, after it
 * seeds; "top 20" sets how many to return; the generated leads ("all
 * 10,000", "generated") as candidates; questions about precision, recall
 * or F1 ask for the evaluation.
 *
 * @example
 * lookalikeText('score lead-010 and lead-011 against seeds lead-001, lead-002');
 * // { candidateIds: ['lead-010', 'lead-011'], seedIds: ['lead-001', 'lead-002'] }
 */
export function lookalikeText(text: string): LookalikeRequest {
  const marker = SEED_MARKER.exec(text);
  const before = marker ? text.slice(0, marker.index) : text;
  const after = marker ? text.slice(marker.index) : '';
  const candidateIds = leadIdsInText(before);
  const seedIds = leadIdsInText(after);
  const top = /\btop\s+(\d{1,5})\b/i.exec(text);
  const wantsGenerated = candidateIds.length === 0 && /\b(?:generated|synthetic|10,?000|ten thousand|whole (?:database|market))\b/i.test(text);
  return {
    ...(candidateIds.length > 0 && { candidateIds }),
    ...(wantsGenerated && { candidateIds: [...generatedLeadIds()] }),
    ...(seedIds.length > 0 && { seedIds }),
    ...(top && { top: Math.min(10_000, Math.max(1, Number(top[1]))) }),
    ...(EVALUATION.test(text) && { evaluate: true }),
  };
}
