import type { SampleLead } from '../shared/sample-leads.js';

/** Company size band by headcount: small < 50, medium < 250, large < 1000, enterprise 1000+. */
export type SizeBand = 'micro' | 'small' | 'medium' | 'large' | 'enterprise';
/** Annual revenue band, in USD. */
export type RevenueBand = '<10M' | '10M-50M' | '50M-250M' | '250M+';
/** Go-to-market segment: the larger of what headcount and revenue say. */
export type Segment = 'smb' | 'mid-market' | 'enterprise';
/** Recent engagement from website visits in the last 30 days. */
export type Engagement = 'cold' | 'warm' | 'hot';

/** A sample lead with the firmographic fields enrichment derives. */
export interface EnrichedLead {
  leadId: string;
  company: string;
  industry: string;
  region: string;
  regionName: string;
  employees: number;
  sizeBand: SizeBand;
  annualRevenueMUsd: number;
  revenueBand: RevenueBand;
  segment: Segment;
  /** `segment/industry/region`: the key audiences are grouped by. */
  audienceKey: string;
  engagement: Engagement;
  provider: string;
}

const REGION_NAMES: Readonly<Record<string, string>> = {
  na: 'North America',
  latam: 'Latin America',
  emea: 'Europe, Middle East & Africa',
  apac: 'Asia-Pacific',
};

export function sizeBand(employees: number): SizeBand {
  if (employees < 10) return 'micro';
  if (employees < 50) return 'small';
  if (employees < 250) return 'medium';
  if (employees < 1000) return 'large';
  return 'enterprise';
}

export function revenueBand(annualRevenueMUsd: number): RevenueBand {
  if (annualRevenueMUsd < 10) return '<10M';
  if (annualRevenueMUsd < 50) return '10M-50M';
  if (annualRevenueMUsd < 250) return '50M-250M';
  return '250M+';
}

const SEGMENT_BY_SIZE: Readonly<Record<SizeBand, number>> = { micro: 0, small: 0, medium: 1, large: 1, enterprise: 2 };
const SEGMENT_BY_REVENUE: Readonly<Record<RevenueBand, number>> = { '<10M': 0, '10M-50M': 0, '50M-250M': 1, '250M+': 2 };
const SEGMENTS: readonly Segment[] = ['smb', 'mid-market', 'enterprise'];

/**
 * The segment sales would staff the account with. A 40-person firm with
 * $300M revenue is sold to like an enterprise, so the larger signal wins.
 */
export function segmentOf(employees: number, annualRevenueMUsd: number): Segment {
  return SEGMENTS[Math.max(SEGMENT_BY_SIZE[sizeBand(employees)], SEGMENT_BY_REVENUE[revenueBand(annualRevenueMUsd)])]!;
}

export function engagementOf(websiteVisits30d: number): Engagement {
  if (websiteVisits30d >= 300) return 'hot';
  if (websiteVisits30d >= 100) return 'warm';
  return 'cold';
}

/** Derives the firmographic profile of one sample lead. */
export function enrichLead(lead: SampleLead, provider: string): EnrichedLead {
  const segment = segmentOf(lead.employees, lead.annualRevenueMUsd);
  return {
    leadId: lead.id,
    company: lead.company,
    industry: lead.industry,
    region: lead.region,
    regionName: REGION_NAMES[lead.region] ?? lead.region,
    employees: lead.employees,
    sizeBand: sizeBand(lead.employees),
    annualRevenueMUsd: lead.annualRevenueMUsd,
    revenueBand: revenueBand(lead.annualRevenueMUsd),
    segment,
    audienceKey: `${segment}/${lead.industry}/${lead.region}`,
    engagement: engagementOf(lead.websiteVisits30d),
    provider,
  };
}
