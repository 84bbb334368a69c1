import { findLead } from '../shared/find-lead.js';
import { leadSends, type LaunchedCampaign } from './launched-campaign.js';
import { assignOwners } from './owners.js';

/** One CRM campaign-member record: what a CRM import of the launch holds. */
export interface LaunchRecord {
  /** `<campaignId>/<leadId>`: importing twice updates rather than duplicates. */
  recordId: string;
  campaignId: string;
  leadId: string;
  company: string | null;
  owner: string;
  channel: string;
  wave: number;
  sendDate: string;
  status: 'queued';
}

export interface LaunchRecords {
  campaignId: string;
  campaignName: string;
  records: LaunchRecord[];
  count: number;
  byWave: Array<{ wave: number; date: string; contacts: number }>;
  byOwner: Record<string, number>;
}

/**
 * The CRM records of a launched campaign: one per lead, with its wave,
 * send date and owner, status `queued` until the send happens.
 *
 * @example
 * launchRecords({ campaignId: 'cmp-1', name: 'Q3', channel: 'email', audience: ['lead-001'], schedule: { waves: [{ date: '2026-03-02', contacts: 1 }] } }).records[0].recordId;
 * // 'cmp-1/lead-001'
 */
export function launchRecords(campaign: LaunchedCampaign, owners?: readonly string[]): LaunchRecords {
  const ownerOf = assignOwners(campaign.audience, owners);
  const records = leadSends(campaign).map((s) => ({
    recordId: `${campaign.campaignId}/${s.leadId}`,
    campaignId: campaign.campaignId,
    leadId: s.leadId,
    company: findLead(s.leadId)?.company ?? null,
    owner: ownerOf.get(s.leadId)!,
    channel: campaign.channel,
    wave: s.wave,
    sendDate: s.sendDate,
    status: 'queued' as const,
  }));
  const byOwner: Record<string, number> = {};
  for (const r of records) byOwner[r.owner] = (byOwner[r.owner] ?? 0) + 1;
  return {
    campaignId: campaign.campaignId,
    campaignName: campaign.name,
    records,
    count: records.length,
    byWave: campaign.schedule.waves.map((w, i) => ({ wave: i + 1, date: w.date, contacts: w.contacts })),
    byOwner,
  };
}
