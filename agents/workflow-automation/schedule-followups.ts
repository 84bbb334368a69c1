import { addBusinessDays, isoDate } from '../shared/business-days.js';
import { CADENCES } from './cadences.js';
import { leadSends, type LaunchedCampaign } from './launched-campaign.js';
import { assignOwners } from './owners.js';

export interface FollowUpTask {
  /** `<campaignId>/<leadId>/<step>`: stable, so scheduling the same campaign twice names the same tasks. */
  taskId: string;
  leadId: string;
  owner: string;
  /** 1-based position in the sequence. */
  step: number;
  channel: string;
  action: string;
  automated: boolean;
  dueDate: string;
}

export interface FollowUpPlan {
  campaignId: string;
  campaignName: string;
  channel: string;
  leads: number;
  cadence: Array<{ step: number; afterBusinessDays: number; channel: string; action: string; automated: boolean }>;
  tasks: FollowUpTask[];
  /** Tasks per owner, and the manual ones (calls, LinkedIn) among them: what each rep must do. */
  byOwner: Record<string, { tasks: number; manual: number }>;
  byDate: Record<string, number>;
  firstDue: string;
  lastDue: string;
}

/**
 * The follow-up tasks of a launched campaign: for every lead, each step of
 * the channel's cadence on its business day after the lead's own send date,
 * owned by the lead's account owner. Pure: the same campaign and owners
 * always give the same tasks.
 *
 * @example
 * scheduleFollowUps({ campaignId: 'cmp-1', name: 'Q3', channel: 'email', audience: ['lead-001'], schedule: { waves: [{ date: '2026-03-02', contacts: 1 }] } }).tasks[0];
 * // { taskId: 'cmp-1/lead-001/1', leadId: 'lead-001', owner: 'lena.fischer@example.com', step: 1, channel: 'email', …, dueDate: '2026-03-04' }
 */
export function scheduleFollowUps(campaign: LaunchedCampaign, owners?: readonly string[]): FollowUpPlan {
  const cadence = CADENCES[campaign.channel];
  const sends = leadSends(campaign);
  const ownerOf = assignOwners(campaign.audience, owners);
  const tasks: FollowUpTask[] = [];
  for (const send of sends) {
    cadence.forEach((s, i) => {
      tasks.push({
        taskId: `${campaign.campaignId}/${send.leadId}/${i + 1}`,
        leadId: send.leadId,
        owner: ownerOf.get(send.leadId)!,
        step: i + 1,
        channel: s.channel,
        action: s.action,
        automated: s.automated,
        dueDate: isoDate(addBusinessDays(send.sendMs, s.afterBusinessDays)),
      });
    });
  }
  tasks.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.step - b.step);
  const byOwner: FollowUpPlan['byOwner'] = {};
  const byDate: Record<string, number> = {};
  for (const t of tasks) {
    const o = (byOwner[t.owner] ??= { tasks: 0, manual: 0 });
    o.tasks += 1;
    if (!t.automated) o.manual += 1;
    byDate[t.dueDate] = (byDate[t.dueDate] ?? 0) + 1;
  }
  return {
    campaignId: campaign.campaignId,
    campaignName: campaign.name,
    channel: campaign.channel,
    leads: sends.length,
    cadence: cadence.map((s, i) => ({ step: i + 1, ...s })),
    tasks,
    byOwner,
    byDate,
    firstDue: tasks[0]?.dueDate ?? '',
    lastDue: tasks.at(-1)?.dueDate ?? '',
  };
}
