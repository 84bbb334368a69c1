/**
 * Writes the sample business history the `analytics` agent forecasts from:
 * 36 months (2023-01 to 2025-12) of five metrics, each a trend times a yearly
 * season times noise, from a fixed seed so the file can be regenerated
 * byte for byte:
 *
 *   node --import tsx agents/data/generate-monthly-metrics.ts > agents/data/monthly-metrics.json
 */

import { mulberry32 as random } from './mulberry32.js';

interface MetricSpec {
  description: string;
  unit: string;
  start: number;
  /** Growth per month, as a fraction. */
  growth: number;
  /** Seasonal swing, as a fraction of the trend. */
  season: number;
  /** Month (0 = January) of the seasonal peak. */
  peak: number;
  noise: number;
  decimals: number;
}

const SPECS: Record<string, MetricSpec> = {
  revenue: { description: 'Recognized revenue', unit: 'kUSD', start: 820, growth: 0.018, season: 0.08, peak: 11, noise: 0.025, decimals: 1 },
  bookings: { description: 'New bookings (signed contract value)', unit: 'kUSD', start: 410, growth: 0.022, season: 0.18, peak: 11, noise: 0.06, decimals: 1 },
  signups: { description: 'New trial signups', unit: 'signups', start: 1200, growth: 0.015, season: 0.12, peak: 0, noise: 0.05, decimals: 0 },
  activeUsers: { description: 'Monthly active users', unit: 'users', start: 18500, growth: 0.021, season: 0.03, peak: 9, noise: 0.01, decimals: 0 },
  supportTickets: { description: 'Support tickets opened', unit: 'tickets', start: 950, growth: 0.009, season: 0.1, peak: 0, noise: 0.07, decimals: 0 },
};

const MONTHS = 36;
const next = random(20260101);
const months = Array.from({ length: MONTHS }, (_, i) => `${2023 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
const metrics: Record<string, { description: string; unit: string; values: number[] }> = {};
for (const [name, s] of Object.entries(SPECS)) {
  const values = months.map((_, i) => {
    const trend = s.start * (1 + s.growth) ** i;
    const season = 1 + s.season * Math.cos((2 * Math.PI * ((i % 12) - s.peak)) / 12);
    const noise = 1 + s.noise * (next() * 2 - 1);
    const factor = 10 ** s.decimals;
    return Math.round(trend * season * noise * factor) / factor;
  });
  metrics[name] = { description: s.description, unit: s.unit, values };
}
process.stdout.write(`${JSON.stringify({ months, metrics }, null, 1)}\n`);
