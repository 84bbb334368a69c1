import type { ContractSentence } from './clauses.js';
import { periodsInDays } from './notice-period.js';

export type Severity = 'high' | 'medium' | 'low';

/** A clause the reviewer flags, with where it is and what to ask for instead. */
export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  /** Clause number ("7.2") or paragraph ("¶3"); absent for a clause the contract lacks. */
  clause?: string;
  excerpt?: string;
  explanation: string;
  recommendation: string;
}

/** What one rule concluded: flagged (findings), ok, missing from a full contract, or not in an excerpt. */
export type CheckStatus = 'flagged' | 'ok' | 'missing' | 'not-found';

export interface RuleInput {
  sentences: readonly ContractSentence[];
  /** A whole contract (not a quoted excerpt): a clause it lacks is a finding. */
  complete: boolean;
  /** How the contract names the side we are on ("Customer"): their obligations are ours. */
  ourRoles: readonly string[];
  /** Governing laws the legal team accepts, e.g. "Delaware". */
  preferredJurisdictions: readonly string[];
}

export interface ContractRule {
  id: string;
  title: string;
  check(input: RuleInput): { status: CheckStatus; findings: Finding[] };
}

const EXCERPT_LENGTH = 240;

function excerpt(text: string): string {
  return text.length <= EXCERPT_LENGTH ? text : `${text.slice(0, EXCERPT_LENGTH - 1)}…`;
}

function flag(rule: ContractRule, severity: Severity, at: ContractSentence | undefined, title: string, explanation: string, recommendation: string): { status: CheckStatus; findings: Finding[] } {
  const finding: Finding = { rule: rule.id, severity, title, explanation, recommendation };
  if (at) Object.assign(finding, { clause: at.clause, excerpt: excerpt(at.text) });
  return { status: at ? 'flagged' : 'missing', findings: [finding] };
}

const OK = { status: 'ok' as const, findings: [] };
const absent = (input: RuleInput): { status: CheckStatus; findings: Finding[] } => ({ status: input.complete ? 'ok' : 'not-found', findings: [] });
const find = (input: RuleInput, re: RegExp): ContractSentence | undefined => input.sentences.find((s) => re.test(s.text));
const all = (input: RuleInput, re: RegExp): ContractSentence[] => input.sentences.filter((s) => re.test(s.text));

export const liabilityCap: ContractRule = {
  id: 'liability-cap',
  title: 'Limitation of liability',
  check(input) {
    const mentions = all(input, /\bliabilit/i);
    const unlimited = mentions.find((s) => /\bunlimited\b|\bwithout (?:any )?limit|\bno limit(?:ation)? (?:of|on)\b|\bshall not be limited\b/i.test(s.text));
    if (unlimited) return flag(this, 'high', unlimited, 'Unlimited liability', 'Liability has no ceiling: one incident can cost more than the whole contract is worth.', 'Cap aggregate liability at the fees paid in the prior 12 months; carve out only fraud and wilful misconduct.');
    const cap = mentions.find((s) => /\b(?:shall|will) not exceed\b|\b(?:limited|capped) (?:to|at)\b|\bcap\b|\bmaximum (?:aggregate )?liability\b|\bin no event\b[^.]*\bexceed/i.test(s.text));
    if (cap) {
      const months = periodsInDays(cap.text).filter((d) => d < 360);
      if (months.length > 0 && /\bfees?\b|\bamounts? paid\b|\bcharges\b/i.test(cap.text)) {
        return flag(this, 'low', cap, 'Low liability cap', `Liability is capped at fees of only ${Math.round(Math.min(...months) / 30)} month(s).`, 'Ask for a cap of at least the fees paid or payable in the prior 12 months.');
      }
      return OK;
    }
    if (mentions.length > 0) return flag(this, 'medium', mentions[0], 'Liability not capped', 'The contract speaks of liability but sets no maximum amount.', 'Add a limitation of liability clause with an aggregate cap and an exclusion of indirect and consequential damages.');
    if (input.complete) return flag(this, 'medium', undefined, 'No limitation of liability', 'The contract has no limitation of liability clause, so liability is unlimited by default.', 'Add a limitation of liability clause with an aggregate cap.');
    return absent(input);
  },
};

export const autoRenewal: ContractRule = {
  id: 'auto-renewal',
  title: 'Automatic renewal',
  check(input) {
    const renewal = find(input, /\bautomatic(?:ally)?\s+(?:be\s+)?renew|\bauto-?renew|\brenews?\s+automatically|\bevergreen\b|\bsuccessive\s+(?:renewal\s+)?(?:terms?|periods?)\b/i);
    if (!renewal) return absent(input);
    const optOut = all(input, /\bnon-?renewal\b|\bnot to renew\b|\bprevent (?:the )?renewal\b|\bcancel\b|\bopt[- ]out\b|\bunless\b[^.]*\bnotice\b/i);
    const notice = optOut.flatMap((s) => periodsInDays(s.text));
    if (optOut.length === 0 || notice.length === 0) {
      return flag(this, 'high', renewal, 'Automatic renewal without a stated way out', 'The term renews by itself and the contract gives no notice period to stop it.', 'Add a right to give notice of non-renewal (30 days before the term ends is usual) and a renewal reminder.');
    }
    const days = Math.max(...notice);
    if (days >= 60) {
      return flag(this, 'high', renewal, 'Automatic renewal with a long opt-out window', `The term renews unless cancelled ${days} days before it ends; that date is easy to miss.`, 'Shorten the non-renewal notice to 30 days and diarise the deadline.');
    }
    return flag(this, 'medium', renewal, 'Automatic renewal', `The term renews by itself unless cancelled ${days} days before it ends.`, 'Diarise the non-renewal deadline, or ask for renewal only on written agreement.');
  },
};

export const terminationNotice: ContractRule = {
  id: 'termination-notice',
  title: 'Termination and notice',
  check(input) {
    const terms = all(input, /\bterminat/i);
    if (terms.length === 0) {
      if (input.complete) return flag(this, 'medium', undefined, 'No termination clause', 'The contract does not say how either party can end it.', 'Add termination for convenience with at least 30 days\' notice and termination for uncured material breach.');
      return absent(input);
    }
    const noNotice = terms.find((s) => /\bwithout (?:prior )?notice\b|\bimmediately(?: upon (?:written )?notice)?\b[^.]*\bfor any reason\b|\bat any time\b[^.]*\bwithout cause\b|\bin its sole discretion\b/i.test(s.text));
    if (noNotice) return flag(this, 'high', noNotice, 'Termination without notice', 'A party may end the contract at once, leaving no time to find a replacement.', 'Require at least 30 days\' written notice for termination without cause.');
    const withNotice = terms.filter((s) => /\bnotice\b/i.test(s.text)).map((s) => ({ s, days: periodsInDays(s.text) })).filter((x) => x.days.length > 0);
    if (withNotice.length === 0) return flag(this, 'medium', terms[0], 'No termination notice period', 'Termination is provided for, but no notice period is stated.', 'State a notice period of at least 30 days.');
    const shortest = withNotice.map((x) => ({ s: x.s, days: Math.min(...x.days) })).sort((a, b) => a.days - b.days)[0]!;
    if (shortest.days < 30) return flag(this, 'high', shortest.s, 'Short termination notice', `The contract can be ended on only ${shortest.days} days' notice.`, 'Ask for at least 30 days\' notice, 60-90 for services you depend on.');
    return OK;
  },
};

/** "the laws of the State of New York" → "New York". */
const LAW_OF = /\blaws? of (?:the )?(?:State of |Commonwealth of |Province of )?([A-Z][A-Za-z]*(?:\s+(?:and\s+)?[A-Z][A-Za-z]*)*)/;

export const governingLaw: ContractRule = {
  id: 'governing-law',
  title: 'Governing law',
  check(input) {
    // The sentence that names the law, not a title: "Governing law. This Agreement is governed by the laws of England." splits
    // into two sentences, and a lower-case title is not recognised as one.
    const mentions = all(input, /\bgoverned by\b|\bgoverning law\b|\bconstrued in accordance with\b/i);
    const clause = mentions.find((s) => LAW_OF.test(s.text)) ?? mentions[0];
    if (!clause) {
      if (input.complete) return flag(this, 'medium', undefined, 'No governing law', 'The contract does not say which law applies, which makes disputes slower and costlier.', `Add a governing law clause naming ${input.preferredJurisdictions[0] ?? 'your home jurisdiction'}.`);
      return absent(input);
    }
    const named = LAW_OF.exec(clause.text)?.[1];
    if (named === undefined) return flag(this, 'medium', clause, 'Governing law unclear', 'The governing law clause names no jurisdiction.', 'Name the jurisdiction whose law applies.');
    const preferred = input.preferredJurisdictions.some((j) => j.toLowerCase() === named.toLowerCase());
    if (preferred) return OK;
    return flag(this, 'medium', clause, `Governed by the law of ${named}`, `${named} is not one of the jurisdictions the legal team accepts (${input.preferredJurisdictions.join(', ')}).`, `Propose the law of ${input.preferredJurisdictions[0] ?? 'your home jurisdiction'}, or get local counsel to review.`);
  },
};

export const indemnity: ContractRule = {
  id: 'indemnity',
  title: 'Indemnification',
  check(input) {
    const clauses = all(input, /\bindemnif|\bhold\s+(?:\w+\s+){0,3}harmless\b/i);
    if (clauses.length === 0) return absent(input);
    const mutual = clauses.some((s) => /\b(?:each party|either party|both parties|mutual(?:ly)?)\b/i.test(s.text));
    const unlimited = clauses.find((s) => /\bunlimited\b|\bwithout limit|\bnot (?:be )?subject to (?:any|the) (?:limitation|cap)\b/i.test(s.text));
    const roles = input.ourRoles.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    const ours = roles === '' ? undefined : clauses.find((s) => new RegExp(`\\b(?:${roles})\\b[^.;]{0,60}?\\b(?:shall|will|agrees? to|must)\\b[^.;]{0,40}?\\b(?:indemnif|defend|hold)`, 'i').test(s.text));
    if (!mutual && ours) {
      return flag(this, 'high', ours, unlimited ? 'One-sided, unlimited indemnity' : 'One-sided indemnity', 'You indemnify the other party, and it gives no indemnity in return.', 'Make indemnities mutual and subject to the liability cap.');
    }
    if (unlimited) return flag(this, 'medium', unlimited, 'Indemnity outside the liability cap', 'Indemnification is not limited in amount.', 'Bring indemnities under the liability cap, or cap them separately.');
    return OK;
  },
};

export const unilateralChanges: ContractRule = {
  id: 'unilateral-changes',
  title: 'Unilateral changes',
  check(input) {
    const clause = find(input, /\b(?:may|reserves? the right to|can)\s+(?:unilaterally\s+)?(?:modify|amend|change|update|revise|increase)\b[^.]{0,80}?\b(?:terms|agreement|fees|prices|pricing|rates)\b/i);
    if (!clause || /\bmutual(?:ly)? agreed\b|\bsigned by both\b|\bwritten agreement of both\b/i.test(clause.text)) return absent(input);
    const anyTime = /\bat any time\b|\bwithout (?:prior )?notice\b|\bin its sole discretion\b/i.test(clause.text);
    return flag(this, anyTime ? 'high' : 'medium', clause, 'Terms can change unilaterally', 'One party may change the terms or prices without the other\'s agreement.', 'Require written agreement of both parties for changes, or notice plus a right to terminate without penalty.');
  },
};

export const exclusivity: ContractRule = {
  id: 'exclusivity',
  title: 'Exclusivity and non-compete',
  check(input) {
    const clause = find(input, /\bexclusiv(?:e|ity)\b|\bnon-?compet|\bshall not (?:engage|compete)\b/i);
    if (!clause) return absent(input);
    return flag(this, 'medium', clause, 'Exclusivity or non-compete', 'The contract limits who else you may work with or what business you may do.', 'Narrow it to a named product, territory and at most the contract term.');
  },
};

/** The rule set, in the order findings are reported for equal severity. */
export const CONTRACT_RULES: readonly ContractRule[] = [liabilityCap, autoRenewal, terminationNotice, governingLaw, indemnity, unilateralChanges, exclusivity];
