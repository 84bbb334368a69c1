import { badInput } from '../shared/bad-input.js';
import { DAY_MS, isoDate, nextBusinessDay, parseIsoDate } from '../shared/business-days.js';
import { stableHash } from '../shared/stable-hash.js';
import { CHANNELS, type Channel } from './channels.js';

/** A lead of the audience, as lead-scorer (`scored`) or data-engineer (`leads`) return them. */
export interface AudienceLead {
  leadId: string;
  score?: number;
  [field: string]: unknown;
}

/** What a campaign is built from. */
export interface CampaignInput {
  name: string;
  leadIds?: string[];
  leads?: AudienceLead[];
  channel?: Channel;
  /** First send day, YYYY-MM-DD; default the next business day. */
  startDate?: string;
  /** Scored leads below this score are left out; unscored leads stay. */
  minScore?: number;
  /** Most the campaign may cost, USD: the lowest-scored contacts are dropped to fit. */
  budgetCap?: number;
}

export interface CampaignWave {
  date: string;
  contacts: number;
}

export interface CampaignPlan {
  campaignId: string;
  name: string;
  status: 'draft' | 'scheduled';
  channel: Channel;
  audienceSize: number;
  audience: string[];
  /** Leads dropped by `minScore` or `budgetCap`. */
  excluded: { belowMinScore: number; overBudget: number };
  schedule: { startDate: string; endDate: string; waves: CampaignWave[] };
  budget: { currency: 'USD'; setup: number; perContact: number; contacts: number; total: number };
  expected: { responses: number; responseRate: number };
}

function parseStartDate(startDate: string | undefined, today: Date): number {
  if (startDate === undefined) {
    const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    return nextBusinessDay(midnight + DAY_MS);
  }
  const ms = parseIsoDate(startDate);
  if (ms === undefined) throw badInput('startDate', `must be a calendar date YYYY-MM-DD, got ${JSON.stringify(startDate)}`);
  return nextBusinessDay(ms);
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;

/**
 * Builds a campaign: the audience (best-scored first, deduplicated, filtered
 * by `minScore`, trimmed to `budgetCap`), daily waves on business days within
 * the channel's capacity, the budget and the expected responses. The id is a
 * hash of the input, so launching the same campaign twice (a retried workflow
 * step) names the same campaign. `today` only matters without a `startDate`.
 *
 * @example
 * planCampaign({ name: 'Q3 fintech', leadIds: ['lead-002', 'lead-004'], startDate: '2026-03-02' }, 'scheduled', new Date()).schedule.waves;
 * // [{ date: '2026-03-02', contacts: 2 }]
 */
export function planCampaign(input: CampaignInput, status: CampaignPlan['status'], today: Date): CampaignPlan {
  const channel = input.channel ?? 'email';
  const profile = CHANNELS[channel];
  const scores = new Map<string, number | undefined>();
  for (const id of input.leadIds ?? []) if (!scores.has(id)) scores.set(id, undefined);
  for (const lead of input.leads ?? []) if (scores.get(lead.leadId) === undefined) scores.set(lead.leadId, lead.score);
  if (scores.size === 0) throw badInput('leadIds', 'or leads must name at least one lead for the audience');

  let audience = [...scores.keys()];
  const beforeFilter = audience.length;
  if (input.minScore !== undefined) audience = audience.filter((id) => (scores.get(id) ?? Infinity) >= input.minScore!);
  const belowMinScore = beforeFilter - audience.length;
  if (audience.length === 0) throw badInput('minScore', `leaves no lead in the audience (all ${beforeFilter} score below ${input.minScore})`);
  // Best leads first: they go out in the first wave and survive a budget cut. Unscored keep their order, after scored ones.
  audience = audience.map((id, i) => ({ id, i, s: scores.get(id) ?? -1 })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.id);

  let overBudget = 0;
  if (input.budgetCap !== undefined) {
    const affordable = Math.floor((input.budgetCap - profile.setupCost) / profile.costPerContact + 1e-9);
    if (affordable < 1) throw badInput('budgetCap', `of ${input.budgetCap} USD does not cover the ${channel} set-up (${profile.setupCost} USD) and one contact (${profile.costPerContact} USD)`);
    overBudget = Math.max(0, audience.length - affordable);
    audience = audience.slice(0, affordable);
  }

  const waves: CampaignWave[] = [];
  let day = parseStartDate(input.startDate, today);
  for (let sent = 0; sent < audience.length; sent += profile.dailyCapacity) {
    waves.push({ date: isoDate(day), contacts: Math.min(profile.dailyCapacity, audience.length - sent) });
    day = nextBusinessDay(day + DAY_MS);
  }

  // A lead scored 100 is twice as likely to answer as one scored 50; unscored leads count at the base rate.
  const responses = audience.reduce((sum, id) => {
    const score = scores.get(id);
    return sum + profile.responseRate * (score === undefined ? 1 : 0.5 + score / 100);
  }, 0);

  const campaignId = `cmp-${stableHash({ name: input.name, channel, audience: [...scores.keys()], startDate: input.startDate ?? null, minScore: input.minScore ?? null, budgetCap: input.budgetCap ?? null })}`;
  return {
    campaignId,
    name: input.name,
    status,
    channel,
    audienceSize: audience.length,
    audience,
    excluded: { belowMinScore, overBudget },
    schedule: { startDate: waves[0]!.date, endDate: waves.at(-1)!.date, waves },
    budget: { currency: 'USD', setup: profile.setupCost, perContact: profile.costPerContact, contacts: audience.length, total: cents(profile.setupCost + profile.costPerContact * audience.length) },
    expected: { responses: Math.round(responses), responseRate: Math.round((responses / audience.length) * 10000) / 10000 },
  };
}
