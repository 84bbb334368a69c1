import { badInput } from '../shared/bad-input.js';
import { findLead } from '../shared/find-lead.js';
import type { SampleLead } from '../shared/sample-leads.js';
import { INDUSTRIES, REGIONS } from './features.js';
import { buildProfile, scoreLookalike, type LookalikeFactor, type SeedProfile } from './lookalike-model.js';

export interface ScoredCandidate {
  leadId: string;
  company: string;
  score: number;
  confidence: number;
  factors: LookalikeFactor[];
}

export interface CandidateScores {
  /** The best `top` candidates at or above `minScore`, best first (ties by id). */
  candidates: ScoredCandidate[];
  /** Candidates scored (seeds among them are left out). */
  scored: number;
  /** Candidates at or above `minScore`. */
  matched: number;
  /** Candidate ids that were seeds, left out. */
  excludedSeeds: number;
  seedCount: number;
  /** The seeds' profile, in words a marketer reads: their top industries and regions, typical size, revenue and visits. */
  seedProfile: { industries: Record<string, number>; regions: Record<string, number>; employees: number; annualRevenueMUsd: number; websiteVisits30d: number };
}

export interface ScoreOptions {
  top: number;
  minScore: number;
  /** Called every `PROGRESS_EVERY` candidates; false stops the scoring (cancellation). */
  onProgress?: (done: number, total: number) => boolean;
}

const PROGRESS_EVERY = 1000;

/** Looks leads up by id; throws one bad-input error listing the unknown ones. */
export function leadsById(ids: readonly string[], field: string): SampleLead[] {
  const unique = [...new Set(ids)];
  const unknown = unique.filter((id) => findLead(id) === undefined);
  if (unknown.length > 0) {
    throw badInput(field, `name leads the company database does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} (ids look like lead-001 or lead-00001)`);
  }
  return unique.map((id) => findLead(id)!);
}

function namedShares(names: readonly string[], shares: number[]): Record<string, number> {
  return Object.fromEntries(
    names
      .map((name, i) => [name, Math.round(shares[i]! * 100) / 100] as const)
      .filter(([, share]) => share > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

function describeProfile(p: SeedProfile): CandidateScores['seedProfile'] {
  return {
    industries: namedShares(INDUSTRIES, p.industryShares),
    regions: namedShares(REGIONS, p.regionShares),
    employees: Math.round(10 ** p.logEmployees.mean),
    annualRevenueMUsd: Math.round(10 ** p.logRevenue.mean * 10) / 10,
    websiteVisits30d: Math.round(p.engagement.mean * 300),
  };
}

/**
 * Scores candidates against seeds and keeps the best. Returns undefined
 * when `onProgress` asks to stop.
 */
export function scoreCandidates(candidates: readonly SampleLead[], seeds: readonly SampleLead[], options: ScoreOptions): CandidateScores | undefined {
  const profile = buildProfile(seeds);
  const seedIds = new Set(seeds.map((s) => s.id));
  const pool = candidates.filter((c) => !seedIds.has(c.id));
  const kept: ScoredCandidate[] = [];
  for (let i = 0; i < pool.length; i++) {
    const lead = pool[i]!;
    const result = scoreLookalike(lead, profile);
    if (result.score >= options.minScore) kept.push({ leadId: lead.id, company: lead.company, ...result });
    if ((i + 1) % PROGRESS_EVERY === 0 && i + 1 < pool.length && options.onProgress?.(i + 1, pool.length) === false) return undefined;
  }
  kept.sort((a, b) => b.score - a.score || b.confidence - a.confidence || a.leadId.localeCompare(b.leadId));
  return {
    candidates: kept.slice(0, options.top),
    scored: pool.length,
    matched: kept.length,
    excludedSeeds: candidates.length - pool.length,
    seedCount: seeds.length,
    seedProfile: describeProfile(profile),
  };
}
