import metricsData from '../data/monthly-metrics.json' with { type: 'json' };

/** A monthly business metric of the bundled sample history (agents/data/monthly-metrics.json). */
export interface SampleMetric {
  name: string;
  description: string;
  unit: string;
  months: readonly string[];
  values: readonly number[];
}

const data = metricsData as { months: string[]; metrics: Record<string, { description: string; unit: string; values: number[] }> };

export const sampleMetrics: ReadonlyMap<string, SampleMetric> = new Map(Object.entries(data.metrics).map(([name, m]) => [name, { name, description: m.description, unit: m.unit, months: data.months, values: m.values }]));

/** The words people use for each sample metric, most specific first. */
export const METRIC_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bbookings?\b|\borders?\b|\bcontract value\b|\bdeals? (?:signed|closed)\b/i, 'bookings'],
  [/\bsign-?ups?\b|\bregistrations?\b|\btrials?\b|\bnew (?:users|customers|accounts)\b/i, 'signups'],
  [/\bactive users\b|\bmau\b|\busers\b|\busage\b/i, 'activeUsers'],
  [/\b(?:support )?tickets?\b|\bsupport (?:volume|load)\b/i, 'supportTickets'],
  [/\brevenues?\b|\bsales\b|\bincome\b|\bturnover\b|\bmrr\b|\barr\b/i, 'revenue'],
];
