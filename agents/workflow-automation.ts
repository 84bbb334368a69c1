import { defineAgent, type SkillContext, type SkillInputOf } from 'agentmesh';
import { campaignText } from './campaign-orchestrator/campaign-text.js';
import { CHANNEL_NAMES } from './campaign-orchestrator/channels.js';
import { planCampaign } from './campaign-orchestrator/plan-campaign.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { textOrData } from './shared/text-or-data.js';
import { launchRecords, type LaunchRecords } from './workflow-automation/launch-records.js';
import type { LaunchedCampaign } from './workflow-automation/launched-campaign.js';
import { scheduleFollowUps, type FollowUpPlan } from './workflow-automation/schedule-followups.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const FOLLOWUP_CREDITS_PER_LEAD = 0.02;
const RECORD_CREDITS_PER_LEAD = 0.01;
/** Four touches per lead at most: 2,500 leads are 10,000 tasks, about what one answer should carry. */
const MAX_AUDIENCE = 2500;
/**
 * A launch carries the follow-up tasks and the CRM records of every lead to
 * the engine, at most 1 MiB of JSON (a runtime's launch limit): 500 leads are
 * about 0.6 MiB.
 */
const MAX_LAUNCH_AUDIENCE = 500;
/** The workflow hook a launch goes to unless the agent's config (registry) names another as `hook`. */
const DEFAULT_HOOK = 'followups';

/** What the skills take as data: the type their schema (`input`, below) describes (ADR 0012). */
type AutomationInput = Exclude<SkillInputOf<typeof input>, string>;

/** Today, read once per task: the only clock input (the send date of a campaign described in words without one). */
const today = (): Date => new Date();

/**
 * A campaign described in words ("follow up lead-001 and lead-002 from our
 * email campaign of 2026-03-02") becomes the campaign campaign-orchestrator
 * would have launched for it.
 */
async function campaignFromText(text: string, ctx: SkillContext): Promise<LaunchedCampaign> {
  let read = campaignText(text);
  // The answer is read together with the request: a channel or date said first still counts.
  if (read.leadIds.length === 0) read = campaignText(`${text}\n${await askText(ctx, 'Which leads did the campaign reach? Name lead ids (lead-001 …), industries or regions, and the send date (YYYY-MM-DD).')}`);
  if (read.leadIds.length === 0) throw badInput('message', 'names no lead of the campaign: write lead ids such as lead-001, or an industry or region');
  return planCampaign({ ...read.input, name: read.input.name ?? `follow-ups: ${read.audienceLabel}`, leadIds: read.leadIds }, 'scheduled', today());
}

async function campaignOf(input: string | AutomationInput, ctx: SkillContext, max = MAX_AUDIENCE): Promise<{ campaign: LaunchedCampaign; owners?: string[] }> {
  const result = typeof input === 'string' ? { campaign: await campaignFromText(input, ctx) } : input;
  if (result.campaign.audience.length > max) throw badInput('campaign.audience', `has ${result.campaign.audience.length} leads; automate at most ${max} per call (split the audience by wave)`);
  return result;
}

async function followUps(input: string | AutomationInput, ctx: SkillContext): Promise<FollowUpPlan> {
  const { campaign, owners } = await campaignOf(input, ctx);
  ctx.progress(`Scheduling follow-ups for ${campaign.audience.length} leads of ${campaign.campaignId}`);
  const plan = scheduleFollowUps(campaign, owners);
  ctx.usage({ credits: Math.round(plan.leads * FOLLOWUP_CREDITS_PER_LEAD * 1000) / 1000, units: { leads: plan.leads, tasks: plan.tasks.length } });
  const ownerLines = Object.entries(plan.byOwner).map(([o, n]) => `${o}: ${n.tasks} (${n.manual} manual)`);
  ctx.artifact({ name: 'summary', parts: [{ text: [`${plan.tasks.length} follow-up tasks for ${plan.leads} leads of "${plan.campaignName}", ${plan.firstDue}..${plan.lastDue}`, ...ownerLines].join('\n') }] });
  return plan;
}

async function records(input: string | AutomationInput, ctx: SkillContext): Promise<LaunchRecords> {
  const { campaign, owners } = await campaignOf(input, ctx);
  const result = launchRecords(campaign, owners);
  ctx.usage({ credits: Math.round(result.count * RECORD_CREDITS_PER_LEAD * 1000) / 1000, units: { records: result.count } });
  ctx.artifact({ name: 'summary', parts: [{ text: `${result.count} CRM records for "${result.campaignName}" in ${result.byWave.length} wave(s)` }] });
  return result;
}

/**
 * Hands the campaign's follow-ups and CRM records to the team's automation
 * engine (n8n, Make or Kestra) through the runtime's workflow hook: one
 * signed launch, retried until the engine takes it; the task completes with
 * what the engine reports when its run ends (its callback), or once the
 * engine accepted the launch when the hook does not call back.
 */
async function launch(input: string | AutomationInput, ctx: SkillContext) {
  const { campaign, owners } = await campaignOf(input, ctx, MAX_LAUNCH_AUDIENCE);
  const plan = scheduleFollowUps(campaign, owners);
  const crm = launchRecords(campaign, owners);
  const hook = typeof ctx.config['hook'] === 'string' ? ctx.config['hook'] : DEFAULT_HOOK;
  const payload = {
    campaign: { campaignId: campaign.campaignId, name: campaign.name, channel: campaign.channel, leads: plan.leads },
    followUps: { firstDue: plan.firstDue, lastDue: plan.lastDue, byOwner: plan.byOwner, tasks: plan.tasks },
    crmRecords: crm.records,
  };
  return ctx.launchWorkflow(hook, payload, { status: `Launching the ${hook} workflow: ${plan.tasks.length} follow-up tasks and ${crm.count} CRM records of "${campaign.name}"` });
}

const wave = { type: 'object', required: ['date', 'contacts'], properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, contacts: { type: 'integer', minimum: 1 } } } as const;
const input = textOrData({
  type: 'object',
  required: ['campaign'],
  additionalProperties: false,
  properties: {
    // The launch-campaign output as it is: fields automation does not read (budget, expected) are allowed.
    campaign: {
      type: 'object',
      required: ['campaignId', 'name', 'channel', 'audience', 'schedule'],
      properties: {
        campaignId: { type: 'string', minLength: 1, maxLength: 128 },
        name: { type: 'string', minLength: 1, maxLength: 120 },
        channel: { enum: CHANNEL_NAMES },
        status: { enum: ['draft', 'scheduled'] },
        audience: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 64 } },
        schedule: { type: 'object', required: ['waves'], properties: { waves: { type: 'array', minItems: 1, items: wave } } },
      },
    },
    owners: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 320 } },
  },
});

/** Seed 004's WorkflowAutomation: what happens after a campaign goes out (follow-up tasks, CRM records). */
export default defineAgent({
  card: {
    name: 'workflow-automation',
    description: "Workflow automation after a campaign launch: schedules the follow-up tasks of every lead (due dates on business days, owners, cadence steps), writes the CRM launch records, and hands both to the team's n8n, Make or Kestra workflow.",
    ...EXAMPLE_PUBLISHER,
  },
  defaultSkill: 'schedule-followups',
  registry: {
    department: 'sales-operations',
    owner: 'salesops@example.com',
    costCenter: 'CC-SALESOPS-08',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 3000 },
    tags: ['dealscale', 'automation'],
    skills: {
      'schedule-followups': { pricing: { creditsPerItem: FOLLOWUP_CREDITS_PER_LEAD, itemsPath: 'campaign.audience' } },
      'launch-records': { pricing: { creditsPerItem: RECORD_CREDITS_PER_LEAD, itemsPath: 'campaign.audience' } },
      'launch-automation': { pricing: { creditsPerItem: FOLLOWUP_CREDITS_PER_LEAD + RECORD_CREDITS_PER_LEAD, itemsPath: 'campaign.audience' } },
    },
  },
  skills: {
    'schedule-followups': {
      name: 'Schedule follow-ups',
      description: 'From a launched campaign (launch-campaign output), schedules the follow-up cadence of every lead: each step with its due date (business days after the lead\'s send date), owner (territory or round-robin over owners) and channel. Data { campaign, owners? } or text.',
      tags: ['follow-up', 'tasks', 'cadence', 'sequence', 'automation', 'sales-ops'],
      examples: [
        'schedule follow-ups for the campaign we launched to lead-002, lead-004 and lead-007 on 2026-03-02',
        'create the follow-up tasks of the campaign we just launched',
        'set up the follow-up cadence and owners for each lead after the launch',
        '{"campaign":{"campaignId":"cmp-1","name":"Spring","channel":"email","audience":["lead-001"],"schedule":{"waves":[{"date":"2026-03-02","contacts":1}]}},"owners":["ana@example.com"]}',
      ],
      input,
      idempotent: true,
      handler: followUps,
    },
    'launch-records': {
      name: 'Launch records',
      description: 'Writes the CRM campaign-member records of a launched campaign: one per lead with its wave, send date, owner and status queued, with stable record ids so a re-import updates instead of duplicating. Data { campaign, owners? } or text.',
      tags: ['crm', 'records', 'campaign-members', 'automation', 'launch'],
      examples: [
        'create the CRM records for the campaign sent to lead-001 and lead-002 on 2026-03-02',
        'log the launched campaign in the CRM',
        'which wave and date does each lead of the campaign go out in?',
      ],
      input,
      idempotent: true,
      handler: records,
    },
    'launch-automation': {
      name: 'Launch in the automation engine',
      description: `Hands a launched campaign to the team's n8n, Make or Kestra workflow: its follow-up tasks and CRM records go to the engine's webhook in one signed launch (the runtime's workflow hook "${DEFAULT_HOOK}", or the one the agent's config names as "hook"), retried until the engine takes it; the task completes with what the engine reports when its run ends. At most ${MAX_LAUNCH_AUDIENCE} leads per call. Data { campaign, owners? } or text.`,
      tags: ['n8n', 'make', 'kestra', 'workflow', 'webhook', 'automation', 'follow-up', 'crm'],
      examples: [
        'run the follow-ups of the campaign we launched to lead-001 and lead-002 on 2026-03-02 in n8n',
        'hand the launched campaign to our automation workflow',
        'push the follow-up tasks and CRM records to Make',
      ],
      input,
      idempotent: true,
      handler: launch,
    },
  },
});
