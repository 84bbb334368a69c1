import type { BillingPeriod, CostInput, CostItem } from './calculate-costs.js';

const CURRENCIES: ReadonlyArray<[RegExp, string]> = [
  [/€|\beur\b|\beuros?\b/i, 'EUR'],
  [/£|\bgbp\b|\bpounds?\b/i, 'GBP'],
  [/\$|\busd\b|\bdollars?\b|\bbucks\b/i, 'USD'],
];

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const CURRENCY_WORD = String.raw`usd|eur|gbp|dollars?|euros?|pounds?|bucks|[$€£]`;
const PERIOD_WORDS = String.raw`each|apiece|per\s+(?:unit|seat|user|license|licence|item|piece|month|year|annum)|a\s+(?:month|year)|\/\s*(?:mo|month|yr|year)|monthly|yearly|annually`;
// "12 seats at 49 USD", "3 laptops at $1,200 each", "2 x widget @ 5", "40 licenses at 15 dollars a month"
const ITEM = new RegExp(
  String.raw`(${NUMBER})\s*(?:x\s+)?((?:[a-z][\w'-]*\s+){0,3}?[a-z][\w'-]*)\s+(?:at|@|for|x|costing)\s+(?:[$€£]\s*)?(${NUMBER})\s*(?:${CURRENCY_WORD})?\s*(${PERIOD_WORDS})?`,
  'gi',
);
const DISCOUNT = /(\d+(?:\.\d+)?)\s*%\s*(?:off|discount)|discount(?:\s+(?:of|at))?\s*(\d+(?:\.\d+)?)\s*%/i;
const TAX = /(\d+(?:\.\d+)?)\s*%\s*(?:sales\s+)?(?:tax|vat|gst)|(?:tax|vat|gst)(?:\s+(?:of|at|is|rate))?\s*(\d+(?:\.\d+)?)\s*%/i;

const number = (s: string): number => Number(s.replace(/,/g, ''));

function periodOf(words: string | undefined): BillingPeriod {
  if (words === undefined) return 'one-time';
  if (/month|\/\s*mo/i.test(words)) return 'month';
  if (/year|annum|annually|\/\s*yr/i.test(words)) return 'year';
  return 'one-time';
}

/**
 * Reads a costing request in words: items as "<quantity> <what> at <price>
 * [each | a month]", a discount ("10% off", "discount of 10%"), a tax
 * ("20% VAT") and the currency from its symbol or name.
 *
 * @example
 * costText('cost of 12 seats at 49 USD with 20% tax');
 * // { items: [{ description: 'seats', quantity: 12, unitPrice: 49, period: 'one-time' }], taxPct: 20, currency: 'USD' }
 */
export function costText(text: string): CostInput {
  const items: CostItem[] = [];
  for (const m of text.matchAll(ITEM)) {
    items.push({ description: m[2]!.trim(), quantity: number(m[1]!), unitPrice: number(m[3]!), period: periodOf(m[4]) });
  }
  const discount = DISCOUNT.exec(text);
  const tax = TAX.exec(text);
  const currency = CURRENCIES.find(([re]) => re.test(text))?.[1];
  return {
    items,
    ...(discount && { discountPct: Number(discount[1] ?? discount[2]) }),
    ...(tax && { taxPct: Number(tax[1] ?? tax[2]) }),
    ...(currency && { currency }),
  };
}
