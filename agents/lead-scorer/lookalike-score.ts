import { sampleBestCustomers as best, type SampleLead as Lead } from '../shared/sample-leads.js';

/**
 * Lookalike score 0–100: how much a lead resembles the best customers
 * (industry and region match, company size and revenue on a log scale,
 * recent engagement). Deterministic, explainable, no model needed.
 */
export function lookalikeScore(lead: Lead): { score: number; nearest: string } {
  let bestSimilarity = -1;
  let nearest = '';
  for (const c of best) {
    const size = 1 - Math.min(1, Math.abs(Math.log10(lead.employees) - Math.log10(c.employees)) / 3);
    const revenue = 1 - Math.min(1, Math.abs(Math.log10(lead.annualRevenueMUsd) - Math.log10(c.annualRevenueMUsd)) / 3);
    const similarity = 0.35 * (lead.industry === c.industry ? 1 : 0) + 0.15 * (lead.region === c.region ? 1 : 0) + 0.25 * size + 0.25 * revenue;
    if (similarity > bestSimilarity) {
      bestSimilarity = similarity;
      nearest = c.id;
    }
  }
  const engagement = Math.min(1, lead.websiteVisits30d / 200);
  return { score: Math.round(100 * (0.85 * bestSimilarity + 0.15 * engagement)), nearest };
}

/**
 * Score bands a pipeline report counts leads in: high (80+), medium (60–79),
 * low (below 60). Most leads share an industry or a region with one of the
 * twelve best customers, so scores sit high: the median lead scores ~75.
 */
export type ScoreBand = 'high' | 'medium' | 'low';

export function scoreBand(score: number): ScoreBand {
  if (score >= 80) return 'high';
  if (score >= 60) return 'medium';
  return 'low';
}
