import type { SampleLead } from '../shared/sample-leads.js';
import { FEATURE_NAMES, INDUSTRIES, REGIONS, featuresOf, type FeatureName, type LeadFeatures } from './features.js';

/**
 * Seed 004's scoreLookalike: how much a candidate resembles a seed set.
 *
 * The seed set is summarized as its profile: the centroid of the seeds'
 * feature vectors (the share of seeds in each industry and region, the mean
 * log size, log revenue and engagement) and the spread of each numeric
 * feature. A candidate's similarity on each feature is in [0, 1]:
 * - industry, region: the seeds' share of the candidate's category over the
 *   largest share (1 = the seeds' most common category, 0 = no seed has it);
 * - size, revenue, engagement: a Gaussian kernel exp(-z²/2), z being the
 *   distance to the seeds' mean in seed standard deviations.
 * The score is the weighted mean × 100. Deterministic and explainable: each
 * feature's share of the score is a "factor" the answer lists.
 */

export interface NumericProfile {
  mean: number;
  sd: number;
}

export interface SeedProfile {
  seedCount: number;
  /** Share of seeds per industry (in INDUSTRIES order) and per region (REGIONS order): the one-hot blocks of the centroid. */
  industryShares: number[];
  regionShares: number[];
  logEmployees: NumericProfile;
  logRevenue: NumericProfile;
  engagement: NumericProfile;
}

export interface LookalikeFactor {
  feature: FeatureName;
  /** Points of the 0–100 score this feature contributed. */
  points: number;
  /** How close the candidate is to the seeds on this feature, 0–1. */
  similarity: number;
  detail: string;
}

export interface LookalikeScore {
  score: number;
  /** 0–1: more seeds and features that agree with each other give more confidence. */
  confidence: number;
  /** The features that contributed most, largest first. */
  factors: LookalikeFactor[];
}

/** Weights of the features in the score. Industry and engagement say most about fit and intent; region least. */
export const FEATURE_WEIGHTS: Readonly<Record<FeatureName, number>> = { industry: 0.3, region: 0.1, size: 0.2, revenue: 0.1, engagement: 0.3 };

// Floors on the seeds' spread: two seeds of the same size must not make every other size look infinitely far.
const MIN_SD = { logEmployees: 0.2, logRevenue: 0.2, engagement: 0.08 };
/** Seeds at which support reaches ~63%: ten customers make a usable profile, three do not. */
const SEED_SUPPORT_SCALE = 10;
const TOP_FACTORS = 3;

function numeric(values: number[], floor: number): NumericProfile {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, sd: Math.max(floor, Math.sqrt(variance)) };
}

function shares(vectors: number[][]): number[] {
  const sums = vectors[0]!.map((_, i) => vectors.reduce((a, v) => a + v[i]!, 0));
  return sums.map((s) => s / vectors.length);
}

/** The profile of a seed set; throws on an empty one (there is nothing to resemble). */
export function buildProfile(seeds: readonly SampleLead[]): SeedProfile {
  if (seeds.length === 0) throw new RangeError('a lookalike profile needs at least one seed');
  const features = seeds.map(featuresOf);
  return {
    seedCount: seeds.length,
    industryShares: shares(features.map((f) => f.industry)),
    regionShares: shares(features.map((f) => f.region)),
    logEmployees: numeric(features.map((f) => f.logEmployees), MIN_SD.logEmployees),
    logRevenue: numeric(features.map((f) => f.logRevenue), MIN_SD.logRevenue),
    engagement: numeric(features.map((f) => f.engagement), MIN_SD.engagement),
  };
}

function categorical(oneHot: number[], seedShares: number[]): number {
  const top = Math.max(...seedShares);
  if (top === 0) return 0;
  return oneHot.reduce((a, v, i) => a + v * seedShares[i]!, 0) / top;
}

const kernel = (x: number, p: NumericProfile): number => Math.exp(-0.5 * ((x - p.mean) / p.sd) ** 2);

function similarities(f: LeadFeatures, p: SeedProfile): Record<FeatureName, number> {
  return {
    industry: categorical(f.industry, p.industryShares),
    region: categorical(f.region, p.regionShares),
    size: kernel(f.logEmployees, p.logEmployees),
    revenue: kernel(f.logRevenue, p.logRevenue),
    engagement: kernel(f.engagement, p.engagement),
  };
}

const TOTAL_WEIGHT = FEATURE_NAMES.reduce((a, name) => a + FEATURE_WEIGHTS[name], 0);

function weightedMean(sims: Record<FeatureName, number>): number {
  return FEATURE_NAMES.reduce((a, name) => a + FEATURE_WEIGHTS[name] * sims[name], 0) / TOTAL_WEIGHT;
}

const pct = (share: number): string => `${Math.round(share * 100)}%`;
const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

function detail(feature: FeatureName, lead: SampleLead, p: SeedProfile): string {
  switch (feature) {
    case 'industry':
      return `${lead.industry}, like ${pct(p.industryShares[INDUSTRIES.indexOf(lead.industry as (typeof INDUSTRIES)[number])] ?? 0)} of the seeds`;
    case 'region':
      return `${lead.region}, like ${pct(p.regionShares[REGIONS.indexOf(lead.region as (typeof REGIONS)[number])] ?? 0)} of the seeds`;
    case 'size':
      return `${lead.employees} employees (seeds: ~${Math.round(10 ** p.logEmployees.mean)})`;
    case 'revenue':
      return `${lead.annualRevenueMUsd}M USD revenue (seeds: ~${round(10 ** p.logRevenue.mean, 1)}M)`;
    case 'engagement':
      return `${lead.websiteVisits30d} visits in 30 days (seeds: ~${Math.round(p.engagement.mean * 300)})`;
  }
}

/** The 0–100 score alone: what evaluation sweeps over thousands of leads without building explanations. */
export function lookalikeScoreOnly(lead: SampleLead, profile: SeedProfile): number {
  return Math.round(100 * weightedMean(similarities(featuresOf(lead), profile)));
}

/**
 * Scores one candidate against a seed profile, with its confidence and the
 * features that contributed most.
 *
 * Confidence = support × (0.5 + 0.5 × agreement): support grows with the
 * number of seeds (1 − e^(−seeds/10)); agreement is 1 when every feature
 * says the same (all close or all far) and falls as they disagree (the
 * weighted mean absolute deviation of the similarities from the score).
 *
 * @example
 * const profile = buildProfile(bestCustomers);
 * scoreLookalike(lead, profile); // { score: 78, confidence: 0.61, factors: [{ feature: 'industry', points: 30, … }, …] }
 */
export function scoreLookalike(lead: SampleLead, profile: SeedProfile): LookalikeScore {
  const sims = similarities(featuresOf(lead), profile);
  const mean = weightedMean(sims);
  const dispersion = FEATURE_NAMES.reduce((a, name) => a + FEATURE_WEIGHTS[name] * Math.abs(sims[name] - mean), 0) / TOTAL_WEIGHT;
  const support = 1 - Math.exp(-profile.seedCount / SEED_SUPPORT_SCALE);
  const factors = FEATURE_NAMES.map((feature) => ({ feature, points: round((100 * FEATURE_WEIGHTS[feature] * sims[feature]) / TOTAL_WEIGHT, 1), similarity: round(sims[feature], 2), detail: detail(feature, lead, profile) }))
    .sort((a, b) => b.points - a.points || FEATURE_NAMES.indexOf(a.feature) - FEATURE_NAMES.indexOf(b.feature))
    .slice(0, TOP_FACTORS);
  return { score: Math.round(100 * mean), confidence: round(support * (0.5 + 0.5 * (1 - 2 * dispersion)), 2), factors };
}
