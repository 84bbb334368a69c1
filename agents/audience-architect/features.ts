import type { SampleLead } from '../shared/sample-leads.js';

/** The categories one-hot encoded; a lead outside them encodes as all zeros (it resembles no seed on that feature). */
export const INDUSTRIES = ['fintech', 'saas', 'healthcare', 'logistics', 'manufacturing', 'retail'] as const;
export const REGIONS = ['na', 'emea', 'apac', 'latam'] as const;

/** Website visits at which engagement saturates at 1: beyond ~10 a day, more visits say nothing new. */
const VISITS_AT_FULL_ENGAGEMENT = 300;

/**
 * A lead as the lookalike model sees it: industry and region one-hot,
 * company size and revenue on a log10 scale (a 50-person firm is as far
 * from a 500-person one as 500 from 5,000), and engagement in [0, 1].
 */
export interface LeadFeatures {
  industry: number[];
  region: number[];
  logEmployees: number;
  logRevenue: number;
  engagement: number;
}

/** The features, by name, in the order factors are reported. */
export const FEATURE_NAMES = ['industry', 'region', 'size', 'revenue', 'engagement'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

const oneHot = (values: readonly string[], value: string): number[] => values.map((v) => (v === value ? 1 : 0));

export function featuresOf(lead: SampleLead): LeadFeatures {
  return {
    industry: oneHot(INDUSTRIES, lead.industry),
    region: oneHot(REGIONS, lead.region),
    logEmployees: Math.log10(Math.max(1, lead.employees)),
    // Revenue floors at 100k USD: a log of zero would put a start-up infinitely far from everyone.
    logRevenue: Math.log10(Math.max(0.1, lead.annualRevenueMUsd)),
    engagement: Math.min(1, Math.max(0, lead.websiteVisits30d) / VISITS_AT_FULL_ENGAGEMENT),
  };
}

/** The flat feature vector (industry one-hot, region one-hot, log size, log revenue, engagement), for callers that want the numbers. */
export function featureVector(f: LeadFeatures): number[] {
  return [...f.industry, ...f.region, f.logEmployees, f.logRevenue, f.engagement];
}
