import type { CostInput } from '../finance/calculate-costs.js';
import { costText } from '../finance/cost-text.js';
import { looksLikeContract } from '../legal/review-contract.js';

/** A proposal request read from words; what it lacks is asked for. */
export interface ProposalText {
  customer?: string;
  costs: CostInput;
  /** Contract text to review, when the request carries one. */
  contract?: string;
}

// "for Acme Corp", "to Globex & Sons", "customer: Initech": capitalized words, as company names are written.
const CUSTOMER = /\b(?:for|to|customer:?|client:?)\s+((?:[A-Z][\w&.'-]*)(?:\s+(?:[A-Z][\w&.'-]*|&|of|and))*)/;
const CONTRACT_MARKER = /\b(?:contract|agreement|terms)\s*:\s*/i;

/**
 * Reads a proposal request: the customer (capitalized name after "for",
 * "to" or "customer:"), the line items and discount/tax as finance reads
 * them, and contract text after "contract:" (or the whole message when it
 * reads like a contract).
 *
 * @example
 * proposalText('proposal for Acme Corp: 12 seats at 49 USD a month, 10% discount');
 * // { customer: 'Acme Corp', costs: { items: [{ description: 'seats', quantity: 12, unitPrice: 49, period: 'month' }], discountPct: 10, currency: 'USD' } }
 */
export function proposalText(text: string): ProposalText {
  // A name ends at a sentence end: "for ACME. Contract: …" names ACME, not "ACME. Contract".
  const customer = CUSTOMER.exec(text)?.[1]?.split(/\.\s/)[0]!.replace(/\s+(?:&|of|and)$/, '').replace(/[.,:;]+$/, '');
  const marker = CONTRACT_MARKER.exec(text);
  const contractPart = marker ? text.slice(marker.index + marker[0].length) : text;
  const contract = looksLikeContract(contractPart) ? contractPart : undefined;
  // Items are read before the contract: "12 seats at 49" inside a clause is not a line item.
  const costs = costText(marker ? text.slice(0, marker.index) : text);
  return { ...(customer && { customer }), costs, ...(contract && { contract }) };
}
