/**
 * ranking: the one ranking of requests against agents and workflows
 * (ADR 0019), shared by registry search (re-ranking the head of its
 * BM25 results) and the router: fields weighted, intent cues, and requests
 * users confirmed. Pure functions; imports nothing of the roles.
 */
export { rank, analyzeDocument, AnalyzedDocument, FIELD_WEIGHTS, PARAPHRASE_WEIGHT } from './rank.js';
export type { RankDocument, RankedCandidate, Ranking, RankOptions } from './rank.js';
export { agentDocument, workflowDocument, fieldNames } from './rank-document.js';
export type { AgentDocumentSource, WorkflowDocumentSource } from './rank-document.js';
export { findCues, CUE_IDS } from './intent-cues.js';
export type { IntentCue, CueMatch } from './intent-cues.js';
export { textTerms, stemSet } from './text-terms.js';
export type { TextTerm } from './text-terms.js';
export { SYNONYM_TABLE, RELATED_SYNONYM_WEIGHT, synonymsOf } from './synonyms.js';
export { findParaphrases, compileLexicon, wordStems, PARAPHRASE_LEXICON } from './paraphrases.js';
export type { ParaphraseEntry, ParaphraseMatch } from './paraphrases.js';
