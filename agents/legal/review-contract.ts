import { clauseCount, contractSentences } from './clauses.js';
import { CONTRACT_RULES, type CheckStatus, type Finding, type Severity } from './contract-rules.js';

export interface ReviewOptions {
  /** How the contract names our side. Default: the usual buyer-side names. */
  ourRoles?: readonly string[];
  /** Governing laws the legal team accepts, preferred first. */
  preferredJurisdictions?: readonly string[];
}

export interface ContractReview {
  riskLevel: Severity;
  findings: Finding[];
  checks: Array<{ rule: string; title: string; status: CheckStatus }>;
  summary: Record<Severity, number>;
  clausesReviewed: number;
  /** False for an excerpt: clauses it lacks are reported "not-found", not "missing". */
  complete: boolean;
}

export const DEFAULT_OUR_ROLES: readonly string[] = ['Customer', 'Client', 'Buyer', 'Purchaser', 'Licensee', 'Subscriber', 'Recipient'];
export const DEFAULT_JURISDICTIONS: readonly string[] = ['Delaware', 'New York'];

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };
// Below this, a text is a quoted clause or two, and what it lacks says nothing about the contract.
const COMPLETE_MIN_CLAUSES = 4;
const COMPLETE_MIN_CHARS = 600;

/** Words only contracts use: enough of them and the text is a contract (or part of one) to review. */
export function looksLikeContract(text: string): boolean {
  const cues = text.match(/\b(?:shall|agreement|part(?:y|ies)|hereby|hereto|hereunder|terminat\w*|liabilit\w*|indemnif\w*|governed|clause|term of)\b/gi) ?? [];
  return text.trim().length >= 60 && new Set(cues.map((c) => c.toLowerCase())).size >= 2;
}

/**
 * Reviews a contract against the rule set (liability cap, automatic
 * renewal, termination notice, governing law, indemnity, unilateral changes,
 * exclusivity) and returns the findings, worst first, each citing its clause.
 * Keyword and pattern rules, deterministic and explainable: a first pass
 * that tells counsel where to look, not legal advice.
 *
 * @example
 * reviewContract('1. The Supplier may terminate this Agreement on 5 days notice.').findings[0].title; // 'Short termination notice'
 */
export function reviewContract(text: string, options: ReviewOptions = {}): ContractReview {
  const sentences = contractSentences(text);
  const clausesReviewed = clauseCount(sentences);
  const complete = clausesReviewed >= COMPLETE_MIN_CLAUSES && text.length >= COMPLETE_MIN_CHARS;
  const input = {
    sentences,
    complete,
    ourRoles: options.ourRoles ?? DEFAULT_OUR_ROLES,
    preferredJurisdictions: options.preferredJurisdictions ?? DEFAULT_JURISDICTIONS,
  };
  const findings: Finding[] = [];
  const checks: ContractReview['checks'] = [];
  for (const rule of CONTRACT_RULES) {
    const result = rule.check(input);
    findings.push(...result.findings);
    checks.push({ rule: rule.id, title: rule.title, status: result.status });
  }
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const summary = { high: 0, medium: 0, low: 0 };
  for (const f of findings) summary[f.severity]++;
  const riskLevel: Severity = summary.high > 0 ? 'high' : summary.medium > 0 ? 'medium' : 'low';
  return { riskLevel, findings, checks, summary, clausesReviewed, complete };
}
