import type { CostBreakdown } from '../finance/calculate-costs.js';
import type { Finding, Severity } from '../legal/contract-rules.js';
import { badInput } from '../shared/bad-input.js';
import { DAY_MS, isoDate, parseIsoDate } from '../shared/business-days.js';
import { stableHash } from '../shared/stable-hash.js';

/** What sales needs of legal's review (review-contract output); other fields are ignored. */
export interface ReviewSummary {
  riskLevel: Severity;
  findings: Array<Pick<Finding, 'severity' | 'title' | 'recommendation'> & Partial<Pick<Finding, 'clause' | 'rule'>>>;
  clausesReviewed?: number;
  complete?: boolean;
}

export interface ProposalInput {
  customer: string;
  /** finance's calculate-costs output; one written by hand may lack `annualized` (the total is taken). */
  costs: Omit<CostBreakdown, 'annualized'> & { annualized?: number };
  /** legal's review-contract output; without it the proposal waits for legal. */
  review?: ReviewSummary;
  /** Date of the proposal, YYYY-MM-DD. */
  date: string;
  /** Days the offer stands; default 30. */
  validForDays?: number;
}

export interface PriceRow {
  item: string;
  quantity: number;
  unitPrice: number;
  period: string;
  amount: number;
}

export interface RiskNote {
  severity: Severity;
  title: string;
  clause?: string;
  note: string;
}

export interface Proposal {
  /** A hash of the input: drafting the same proposal twice (a retried workflow step) names the same document. */
  proposalId: string;
  title: string;
  customer: string;
  date: string;
  validUntil: string;
  /** `ready` to send, or `needs-legal-review` (high-risk findings, or no review at all). */
  status: 'ready' | 'needs-legal-review';
  riskLevel: Severity | 'unreviewed';
  priceTable: { currency: string; rows: PriceRow[]; subtotal: number; discountPct: number; discount: number; taxPct: number; tax: number; total: number; annualized: number };
  riskNotes: RiskNote[];
  nextSteps: string[];
  sections: Array<{ heading: string; body: string }>;
  /** The whole document as Markdown. */
  text: string;
}

const DEFAULT_VALID_DAYS = 30;
const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { high: 0, medium: 1, low: 2 };

const money = (n: number, currency: string): string => `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

function riskNotes(review: ReviewSummary | undefined): RiskNote[] {
  if (review === undefined) return [];
  return [...review.findings]
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
    .map((f) => ({ severity: f.severity, title: f.title, ...(f.clause !== undefined && { clause: f.clause }), note: f.recommendation }));
}

function nextSteps(customer: string, review: ReviewSummary | undefined, notes: RiskNote[], validUntil: string): string[] {
  const steps: string[] = [];
  const titles = (severity: Severity): string => notes.filter((n) => n.severity === severity).map((n) => n.title.toLowerCase()).join('; ');
  if (review === undefined) steps.push('Send the contract to legal for review (legal, review-contract) before the proposal goes out');
  else {
    if (notes.some((n) => n.severity === 'high')) steps.push(`Legal to redline the high-risk clauses before sending: ${titles('high')}`);
    if (notes.some((n) => n.severity === 'medium')) steps.push(`Raise in negotiation with ${customer}: ${titles('medium')}`);
    if (review.complete === false) steps.push('Legal reviewed an excerpt: have the full contract reviewed before signature');
  }
  steps.push(`Send the proposal to ${customer}; the offer stands until ${validUntil}`);
  steps.push(`Book a walkthrough call with ${customer} within 5 business days`);
  steps.push('On acceptance: countersign the contract and hand the account over to onboarding');
  return steps;
}

function priceLines(p: Proposal['priceTable']): string[] {
  const lines = ['| Item | Qty | Unit price | Billing | Amount |', '| --- | ---: | ---: | --- | ---: |'];
  for (const r of p.rows) lines.push(`| ${r.item} | ${r.quantity} | ${money(r.unitPrice, p.currency)} | ${r.period} | ${money(r.amount, p.currency)} |`);
  lines.push(`| Subtotal | | | | ${money(p.subtotal, p.currency)} |`);
  if (p.discount > 0) lines.push(`| Discount ${p.discountPct}% | | | | -${money(p.discount, p.currency)} |`);
  if (p.tax > 0) lines.push(`| Tax ${p.taxPct}% | | | | ${money(p.tax, p.currency)} |`);
  lines.push(`| **Total** | | | | **${money(p.total, p.currency)}** |`);
  return lines;
}

/**
 * Drafts a customer proposal from finance's costs and legal's review: a
 * summary, the price table, the contract risk notes (worst first, with
 * legal's recommendation), next steps that depend on the risk, and the
 * terms of the offer, as sections and as one Markdown text.
 *
 * @example
 * draftProposal({ customer: 'Acme Corp', costs, review, date: '2026-03-02' }).status; // 'needs-legal-review' when legal found a high risk
 */
export function draftProposal(input: ProposalInput): Proposal {
  const customer = input.customer.trim();
  if (customer === '') throw badInput('customer', 'must name the customer the proposal is for');
  const dateMs = parseIsoDate(input.date);
  if (dateMs === undefined) throw badInput('date', `must be a calendar date YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
  if (input.costs.lines.length === 0) throw badInput('costs.lines', 'must hold at least one priced line (calculate-costs output)');
  const validUntil = isoDate(dateMs + (input.validForDays ?? DEFAULT_VALID_DAYS) * DAY_MS);
  // A cost breakdown written by hand may lack the yearly figure: then the first period is the year.
  const c = { ...input.costs, annualized: input.costs.annualized ?? input.costs.total };
  const priceTable: Proposal['priceTable'] = {
    currency: c.currency,
    rows: c.lines.map((l) => ({ item: l.description, quantity: l.quantity, unitPrice: l.unitPrice, period: l.period, amount: l.amount })),
    subtotal: c.subtotal,
    discountPct: c.discountPct,
    discount: c.discount,
    taxPct: c.taxPct,
    tax: c.tax,
    total: c.total,
    annualized: c.annualized,
  };
  const notes = riskNotes(input.review);
  const highRisk = notes.some((n) => n.severity === 'high');
  const status: Proposal['status'] = input.review === undefined || highRisk ? 'needs-legal-review' : 'ready';
  const riskLevel = input.review?.riskLevel ?? 'unreviewed';
  const steps = nextSteps(customer, input.review, notes, validUntil);
  const perYear = c.annualized !== c.total ? `, ${money(c.annualized, c.currency)} per year` : '';
  const riskLine =
    input.review === undefined
      ? 'The contract has not been reviewed by legal yet.'
      : notes.length === 0
        ? `Legal found no issue in ${input.review.clausesReviewed ?? 'the'} clause(s) reviewed.`
        : `Contract risk ${riskLevel}: ${notes.filter((n) => n.severity === 'high').length} high, ${notes.filter((n) => n.severity === 'medium').length} medium, ${notes.filter((n) => n.severity === 'low').length} low.`;
  const sections = [
    { heading: 'Summary', body: `${customer}: ${c.lines.length} line item(s), ${money(c.total, c.currency)} for the first billing period${perYear}. ${riskLine}` },
    { heading: 'Pricing', body: priceLines(priceTable).join('\n') },
    { heading: 'Contract risk notes', body: notes.length === 0 ? (input.review === undefined ? 'Pending legal review.' : 'None.') : notes.map((n) => `- [${n.severity}] ${n.title}${n.clause ? ` (clause ${n.clause})` : ''}: ${n.note}`).join('\n') },
    { heading: 'Next steps', body: steps.map((s, i) => `${i + 1}. ${s}`).join('\n') },
    { heading: 'Terms', body: `Prices in ${c.currency}${c.taxPct > 0 ? `, including ${c.taxPct}% tax` : ', excluding tax'}. This offer is valid until ${validUntil}.` },
  ];
  const title = `Proposal for ${customer}`;
  const proposalId = `prop-${stableHash({ customer, costs: priceTable, risks: notes, date: input.date, validUntil })}`;
  const text = [`# ${title}`, `Date: ${input.date} · Valid until: ${validUntil} · Ref: ${proposalId}`, ...sections.flatMap((s) => [`## ${s.heading}`, s.body])].join('\n\n');
  return { proposalId, title, customer, date: input.date, validUntil, status, riskLevel, priceTable, riskNotes: notes, nextSteps: steps, sections, text };
}
