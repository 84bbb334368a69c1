import { defineAgent, type SkillContext } from 'agentmesh';
import { calculateCosts, type CostBreakdown, type CostInput } from './finance/calculate-costs.js';
import { costText } from './finance/cost-text.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const COST_CREDITS = 1;

/** A costing request in words; the line items are asked for when the text has none. */
async function inputFromText(text: string, ctx: SkillContext): Promise<CostInput> {
  let input = costText(text);
  if (input.items.length === 0) {
    const answer = costText(await askText(ctx, 'Which items should I price? For example: "12 seats at 49 USD, 3 laptops at 1200 each, 10% discount, 20% VAT".'));
    // Keep what the first message said (a tax rate, the currency) unless the answer says otherwise.
    input = { ...input, ...answer };
  }
  if (input.items.length === 0) throw badInput('message', 'lists no item to price: write "<quantity> <item> at <price>", e.g. "12 seats at 49 USD"');
  return input;
}

function summary(c: CostBreakdown): string {
  const money = (n: number): string => `${n.toFixed(2)} ${c.currency}`;
  const lines = c.lines.map((l) => `${l.quantity} × ${l.description} at ${money(l.unitPrice)}${l.period === 'one-time' ? '' : ` per ${l.period}`} = ${money(l.amount)}`);
  const adjustments = [c.discount > 0 ? `discount ${c.discountPct}%: -${money(c.discount)}` : '', c.tax > 0 ? `tax ${c.taxPct}%: +${money(c.tax)}` : ''].filter((s) => s !== '');
  const annual = c.annualized !== c.total ? ` (${money(c.annualized)} per year)` : '';
  return [...lines, `subtotal ${money(c.subtotal)}`, ...adjustments, `total ${money(c.total)}${annual}`].join('\n');
}

const costItem = {
  type: 'object',
  required: ['quantity', 'unitPrice'],
  additionalProperties: false,
  properties: {
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    description: { type: 'string', minLength: 1, maxLength: 256 },
    quantity: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
    unitPrice: { type: 'number', minimum: 0, maximum: 1e9 },
    period: { enum: ['one-time', 'month', 'year'] },
  },
} as const;

/** Seed 000's finance department agent: prices line items into a quote with discount and tax. */
export default defineAgent({
  card: {
    name: 'finance',
    description: 'Finance department: calculates costs, totals and quotes from line items (quantity × unit price) with discounts, tax or VAT, and yearly cost of subscriptions.',
    ...EXAMPLE_PUBLISHER,
  },
  registry: {
    department: 'finance',
    owner: 'fpa@example.com',
    costCenter: 'CC-FIN-05',
    sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 1000 },
    tags: ['finance', 'pricing'],
    skills: { 'calculate-costs': { pricing: { creditsPerCall: COST_CREDITS } } },
  },
  skills: {
    'calculate-costs': {
      name: 'Calculate costs',
      description: 'Totals a list of items (quantity × unit price, one-time, monthly or yearly) with an optional discount and tax, rounded to cents like an invoice. Data { items: [{ sku | description, quantity, unitPrice }], discountPct?, taxPct?, currency? } or text.',
      tags: ['finance', 'costs', 'pricing', 'quote', 'totals', 'tax', 'budget'],
      examples: [
        'cost of 12 seats at 49 USD',
        '3 servers at 2,400 each and 10 support hours at 150, 15% discount, 8% sales tax',
        'what do 25 licences at 30 EUR a month cost per year with 19% VAT?',
        '{"items":[{"sku":"SEAT","quantity":12,"unitPrice":49}],"discountPct":10,"taxPct":20}',
      ],
      input: textOrData({
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', minItems: 1, maxItems: 1000, items: costItem },
          discountPct: { type: 'number', minimum: 0, maximum: 100 },
          taxPct: { type: 'number', minimum: 0, maximum: 100 },
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        },
      }),
      idempotent: true,
      handler: async (input, ctx) => {
        const request = typeof input === 'string' ? await inputFromText(input, ctx) : input;
        const breakdown = calculateCosts(request);
        ctx.usage({ credits: COST_CREDITS, units: { lines: breakdown.lines.length } });
        ctx.artifact({ name: 'summary', parts: [{ text: summary(breakdown) }] });
        return breakdown;
      },
    },
  },
});
