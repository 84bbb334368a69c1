import type { SampleLead } from '../shared/sample-leads.js';
import { mulberry32 } from './mulberry32.js';

/**
 * The synthetic company database behind seed 004's 10,000-lead map-reduce:
 * leads `lead-00001`… with the fields of `leads.json`, plus a ground-truth
 * label (did the lead convert?) that the lookalike model is measured on.
 *
 * Generated in memory from a fixed seed rather than committed as a file:
 * 10,000 leads are ~1.5 MB of JSON, and this takes a few milliseconds.
 * Same seed and count → the same leads, byte for byte, on any machine.
 *
 * How a lead is drawn (all from one PRNG stream, in id order):
 * - industry and region from weighted lists close to the hand-made sample;
 * - headcount log-triangular between ~6 and ~8,000; revenue follows
 *   headcount on a log scale (0.8 × log10 employees) with log-normal noise;
 * - website visits: a baseline plus a burst for companies in buying mode;
 * - converted: a Bernoulli draw whose odds follow a hidden ideal customer
 *   profile (fintech and SaaS, mid-sized, engaged, North America/EMEA),
 *   so conversion is correlated with the features but noisy, as in a CRM.
 */

export const GENERATED_LEAD_SEED = 20_260_004;
export const GENERATED_LEAD_COUNT = 10_000;

export interface GeneratedLeads {
  leads: SampleLead[];
  /** Ids of the leads that converted: the labels of the hold-out evaluation. */
  convertedIds: string[];
}

const INDUSTRIES: ReadonlyArray<[string, number]> = [
  ['retail', 0.19],
  ['logistics', 0.18],
  ['manufacturing', 0.17],
  ['fintech', 0.16],
  ['saas', 0.16],
  ['healthcare', 0.14],
];
const REGIONS: ReadonlyArray<[string, number]> = [
  ['na', 0.3],
  ['emea', 0.3],
  ['apac', 0.22],
  ['latam', 0.18],
];

// The hidden ideal customer profile: log-odds of converting, per feature.
const INDUSTRY_ODDS: Readonly<Record<string, number>> = { fintech: 3.2, saas: 2.8, healthcare: 0.2, logistics: -0.8, manufacturing: -1.8, retail: -2.5 };
const REGION_ODDS: Readonly<Record<string, number>> = { na: 1.1, emea: 0.8, apac: -0.5, latam: -1.2 };
const ODDS_INTERCEPT = -6;
/** log10 of the headcount that converts best (~250 people), and how fast the odds fall away from it. */
const IDEAL_LOG_EMPLOYEES = 2.4;
const SIZE_PENALTY = 4;
const ENGAGEMENT_ODDS = 8;

const STEMS = ['Acu', 'Bel', 'Cor', 'Dyn', 'Ever', 'Fal', 'Gal', 'Hel', 'Ion', 'Jun', 'Kor', 'Lum', 'Mer', 'Nex', 'Orb', 'Pol', 'Quan', 'Riv', 'Sol', 'Ter', 'Ult', 'Ver', 'Wex', 'Zen'];
const ENDINGS = ['ara', 'ex', 'ia', 'ity', 'on', 'ora', 'tec', 'wise', 'ly', 'io', 'ium', 'ent'];
const WORDS: Readonly<Record<string, readonly string[]>> = {
  retail: ['Retail', 'Stores', 'Goods', 'Market'],
  logistics: ['Logistics', 'Freight', 'Transport', 'Shipping'],
  manufacturing: ['Industries', 'Manufacturing', 'Works', 'Components'],
  fintech: ['Pay', 'Capital', 'Finance', 'Ledger'],
  saas: ['Software', 'Cloud', 'Labs', 'Systems'],
  healthcare: ['Health', 'Care', 'Medical', 'Bio'],
};

function pick<T>(weighted: ReadonlyArray<[T, number]>, u: number): T {
  let rest = u;
  for (const [value, weight] of weighted) {
    rest -= weight;
    if (rest < 0) return value;
  }
  return weighted.at(-1)![0];
}

/** A standard normal draw (Box-Muller), from two uniforms of the stream. */
function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The id of the `n`-th generated lead (1-based): `lead-00001`. */
export function generatedLeadId(n: number): string {
  return `lead-${String(n).padStart(5, '0')}`;
}

/**
 * Generates `count` leads (default 10,000) from `seed`; see the file comment
 * for the model.
 *
 * @example
 * const { leads, convertedIds } = generateLeads();
 * leads[0].id; // 'lead-00001'
 */
export function generateLeads(options: { count?: number; seed?: number } = {}): GeneratedLeads {
  const count = options.count ?? GENERATED_LEAD_COUNT;
  if (!Number.isInteger(count) || count < 0 || count > 99_999) throw new RangeError(`count must be an integer from 0 to 99999 (ids have five digits), got ${count}`);
  const next = mulberry32(options.seed ?? GENERATED_LEAD_SEED);
  const leads: SampleLead[] = [];
  const convertedIds: string[] = [];
  const names = new Map<string, number>();
  for (let n = 1; n <= count; n++) {
    const industry = pick(INDUSTRIES, next());
    const region = pick(REGIONS, next());
    const logEmployees = 0.8 + 3.1 * ((next() + next()) / 2);
    const employees = Math.max(2, Math.round(10 ** logEmployees));
    const logRevenue = -0.4 + 0.8 * Math.log10(employees) + 0.35 * normal(next);
    const annualRevenueMUsd = Math.max(0.5, Math.round(10 ** logRevenue * 10) / 10);
    const buying = next() < 0.25;
    const websiteVisits30d = Math.round(20 + 120 * next() + (buying ? 250 * next() : 0));

    const words = WORDS[industry]!;
    const base = `${STEMS[Math.floor(next() * STEMS.length)]}${ENDINGS[Math.floor(next() * ENDINGS.length)]} ${words[Math.floor(next() * words.length)]}`;
    const seen = (names.get(base) ?? 0) + 1;
    names.set(base, seen);
    const company = seen === 1 ? base : `${base} ${seen}`;

    const id = generatedLeadId(n);
    leads.push({ id, company, industry, region, employees, annualRevenueMUsd, websiteVisits30d });

    const logOdds =
      ODDS_INTERCEPT +
      INDUSTRY_ODDS[industry]! +
      REGION_ODDS[region]! -
      SIZE_PENALTY * Math.abs(Math.log10(employees) - IDEAL_LOG_EMPLOYEES) +
      ENGAGEMENT_ODDS * Math.min(1, websiteVisits30d / 300);
    if (next() < sigmoid(logOdds)) convertedIds.push(id);
  }
  return { leads, convertedIds };
}
