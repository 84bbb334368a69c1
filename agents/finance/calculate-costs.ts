import { badInput } from '../shared/bad-input.js';

export type BillingPeriod = 'one-time' | 'month' | 'year';

export interface CostItem {
  sku?: string;
  description?: string;
  quantity: number;
  unitPrice: number;
  /** What the price buys: once, or per month or year. Default one-time. */
  period?: BillingPeriod;
}

export interface CostInput {
  items: CostItem[];
  /** Discount on the subtotal, percent. */
  discountPct?: number;
  /** Tax (VAT, GST, sales tax) on the discounted subtotal, percent. */
  taxPct?: number;
  /** ISO 4217 code. Default USD. */
  currency?: string;
}

export interface CostLine {
  description: string;
  sku?: string;
  quantity: number;
  unitPrice: number;
  amount: number;
  period: BillingPeriod;
}

export interface CostBreakdown {
  currency: string;
  lines: CostLine[];
  subtotal: number;
  discountPct: number;
  discount: number;
  taxPct: number;
  tax: number;
  /** What the first billing period costs: every line once. */
  total: number;
  /** What a year costs: one-time lines once, monthly lines twelve times, with the same discount and tax. */
  annualized: number;
}

const PERIODS_PER_YEAR: Readonly<Record<BillingPeriod, number>> = { 'one-time': 1, month: 12, year: 1 };

// Money is added in integer minor units (cents): 0.1 + 0.2 must be 0.30, not 0.30000000000000004.
const toCents = (amount: number): number => Math.round(amount * 100);
const fromCents = (cents: number): number => cents / 100;
const percentOf = (cents: number, pct: number): number => Math.round((cents * pct) / 100);

function totals(subtotalCents: number, discountPct: number, taxPct: number): { discount: number; tax: number; total: number } {
  const discount = percentOf(subtotalCents, discountPct);
  const tax = percentOf(subtotalCents - discount, taxPct);
  return { discount, tax, total: subtotalCents - discount + tax };
}

/**
 * Prices a list of items: line amounts, subtotal, discount, tax and total,
 * rounded to cents line by line as an invoice would be. Also gives the
 * annualized cost when some lines are monthly subscriptions.
 *
 * @example
 * calculateCosts({ items: [{ description: 'seats', quantity: 12, unitPrice: 49 }], taxPct: 20 }).total; // 705.6
 */
export function calculateCosts(input: CostInput): CostBreakdown {
  if (input.items.length === 0) throw badInput('items', 'must list at least one item');
  const discountPct = input.discountPct ?? 0;
  const taxPct = input.taxPct ?? 0;
  if (discountPct < 0 || discountPct > 100) throw badInput('discountPct', `must be between 0 and 100, got ${discountPct}`);
  if (taxPct < 0 || taxPct > 100) throw badInput('taxPct', `must be between 0 and 100, got ${taxPct}`);
  const lines: CostLine[] = [];
  let firstPeriod = 0;
  let year = 0;
  input.items.forEach((item, i) => {
    if (!(item.quantity > 0) || !Number.isFinite(item.quantity)) throw badInput(`items[${i}].quantity`, `must be a positive number, got ${item.quantity}`);
    if (!(item.unitPrice >= 0) || !Number.isFinite(item.unitPrice)) throw badInput(`items[${i}].unitPrice`, `must be zero or more, got ${item.unitPrice}`);
    const period = item.period ?? 'one-time';
    const amount = Math.round(item.quantity * toCents(item.unitPrice));
    firstPeriod += amount;
    year += amount * PERIODS_PER_YEAR[period];
    lines.push({ description: item.description ?? item.sku ?? `item ${i + 1}`, ...(item.sku !== undefined && { sku: item.sku }), quantity: item.quantity, unitPrice: item.unitPrice, amount: fromCents(amount), period });
  });
  const first = totals(firstPeriod, discountPct, taxPct);
  const annual = totals(year, discountPct, taxPct);
  return {
    currency: input.currency ?? 'USD',
    lines,
    subtotal: fromCents(firstPeriod),
    discountPct,
    discount: fromCents(first.discount),
    taxPct,
    tax: fromCents(first.tax),
    total: fromCents(first.total),
    annualized: fromCents(annual.total),
  };
}
