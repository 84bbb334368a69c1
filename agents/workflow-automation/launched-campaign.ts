import type { Channel } from '../campaign-orchestrator/channels.js';
import type { CampaignWave } from '../campaign-orchestrator/plan-campaign.js';
import { badInput } from '../shared/bad-input.js';
import { parseIsoDate } from '../shared/business-days.js';

/** The part of campaign-orchestrator's launch-campaign output that automation works from. */
export interface LaunchedCampaign {
  campaignId: string;
  name: string;
  channel: Channel;
  status?: 'draft' | 'scheduled';
  /** Lead ids, best first, in send order. */
  audience: string[];
  schedule: { waves: CampaignWave[] };
}

/** When one lead of the campaign is first contacted. */
export interface LeadSend {
  leadId: string;
  /** 1-based wave number. */
  wave: number;
  sendDate: string;
  sendMs: number;
}

/**
 * Which wave, and so which day, each lead goes out in: the audience is sent
 * in order, each wave taking its `contacts` (as campaign-orchestrator
 * schedules it). Refuses a draft (nothing was sent, so nothing to follow
 * up) and waves that do not add up to the audience.
 */
export function leadSends(campaign: LaunchedCampaign): LeadSend[] {
  if (campaign.status === 'draft') throw badInput('campaign.status', 'is draft: launch the campaign first (launch-campaign), then automate its follow-ups');
  const seen = new Set<string>();
  const repeated = campaign.audience.find((id) => seen.size === seen.add(id).size);
  if (repeated !== undefined) throw badInput('campaign.audience', `lists ${repeated} twice; a lead is contacted once per campaign`);
  const waves = campaign.schedule.waves;
  const planned = waves.reduce((a, w) => a + w.contacts, 0);
  if (planned !== campaign.audience.length) throw badInput('campaign.schedule.waves', `send to ${planned} contacts but the audience has ${campaign.audience.length}`);
  const sends: LeadSend[] = [];
  let next = 0;
  waves.forEach((w, i) => {
    const sendMs = parseIsoDate(w.date);
    if (sendMs === undefined) throw badInput(`campaign.schedule.waves[${i}].date`, `must be a calendar date YYYY-MM-DD, got ${JSON.stringify(w.date)}`);
    for (const leadId of campaign.audience.slice(next, next + w.contacts)) sends.push({ leadId, wave: i + 1, sendDate: w.date, sendMs });
    next += w.contacts;
  });
  return sends;
}
