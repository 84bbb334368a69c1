import { enrichLead, type EnrichedLead } from '../data-engineer/firmographics.js';
import { lookalikeScore, scoreBand } from '../lead-scorer/lookalike-score.js';
import type { SampleLead } from '../shared/sample-leads.js';

export type LeadDimension = 'segment' | 'region' | 'industry';
export const LEAD_DIMENSIONS: readonly LeadDimension[] = ['segment', 'region', 'industry'];

export interface PipelineGroup {
  key: string;
  leads: number;
  /** Share of all leads analyzed, 0–1. */
  share: number;
  /** Mean lookalike score (lead-scorer's), 0–100. */
  avgScore: number;
  /** Leads scoring 80+: the ones to work first. */
  highScore: number;
  /** Leads with 300+ website visits in 30 days. */
  hot: number;
  /** Summed annual revenue of the group's companies, M USD. */
  revenueMUsd: number;
  topLead: { leadId: string; company: string; score: number };
}

export interface PipelineSummary {
  leads: number;
  avgScore: number;
  highScore: number;
  hot: number;
  groups: Partial<Record<LeadDimension, PipelineGroup[]>>;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * A pipeline summary of leads by segment, region or industry: how many,
 * how good (mean lookalike score, leads scoring 80+), how engaged, how big
 * (revenue), and the best lead of each group. Groups are listed largest first.
 *
 * @example
 * analyzeLeads(leads, ['region']).groups.region[0]; // { key: 'latam', leads: 54, share: 0.27, avgScore: 71.4, … }
 */
export function analyzeLeads(leads: readonly SampleLead[], dimensions: readonly LeadDimension[]): PipelineSummary {
  const rows = leads.map((lead) => ({ lead, enriched: enrichLead(lead, 'sample-crm'), score: lookalikeScore(lead).score }));
  const groups: PipelineSummary['groups'] = {};
  for (const dimension of dimensions) {
    const byKey = new Map<string, typeof rows>();
    for (const row of rows) {
      const key = String(row.enriched[dimension as keyof EnrichedLead]);
      const members = byKey.get(key);
      if (members) members.push(row);
      else byKey.set(key, [row]);
    }
    groups[dimension] = [...byKey]
      .map(([key, members]) => {
        const top = members.reduce((best, r) => (r.score > best.score || (r.score === best.score && r.lead.id < best.lead.id) ? r : best));
        return {
          key,
          leads: members.length,
          share: Math.round((members.length / rows.length) * 1000) / 1000,
          avgScore: round1(members.reduce((a, r) => a + r.score, 0) / members.length),
          highScore: members.filter((r) => scoreBand(r.score) === 'high').length,
          hot: members.filter((r) => r.enriched.engagement === 'hot').length,
          revenueMUsd: round1(members.reduce((a, r) => a + r.lead.annualRevenueMUsd, 0)),
          topLead: { leadId: top.lead.id, company: top.lead.company, score: top.score },
        };
      })
      .sort((a, b) => b.leads - a.leads || a.key.localeCompare(b.key));
  }
  return {
    leads: rows.length,
    avgScore: rows.length === 0 ? 0 : round1(rows.reduce((a, r) => a + r.score, 0) / rows.length),
    highScore: rows.filter((r) => scoreBand(r.score) === 'high').length,
    hot: rows.filter((r) => r.enriched.engagement === 'hot').length,
    groups,
  };
}
