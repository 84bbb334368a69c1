import { defineAgent, type SkillContext } from 'agentmesh';
import { campaignText } from './campaign-orchestrator/campaign-text.js';
import { CHANNEL_NAMES } from './campaign-orchestrator/channels.js';
import { planCampaign, type CampaignInput, type CampaignPlan } from './campaign-orchestrator/plan-campaign.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const LAUNCH_CREDITS = 5;
const LAUNCH_CREDITS_PER_CONTACT = 0.05;
const PLAN_CREDITS = 1;

/** Today, read once per task: the only clock input (a default start date). */
const today = (): Date => new Date();

/** A campaign request in words becomes a {@link CampaignInput}; the audience is asked for when the text names none. */
async function inputFromText(text: string, ctx: SkillContext): Promise<{ input: CampaignInput; audienceLabel: string }> {
  let read = campaignText(text);
  if (read.leadIds.length === 0) {
    const answer = await askText(ctx, 'Who should the campaign reach? Name lead ids (lead-001 …), industries (fintech, saas, retail, healthcare, logistics, manufacturing) or regions (NA, EMEA, LATAM, APAC).');
    const more = campaignText(answer);
    read = { input: { ...read.input, ...Object.fromEntries(Object.entries(more.input).filter(([, v]) => v !== undefined)) }, leadIds: more.leadIds, audienceLabel: more.audienceLabel };
  }
  if (read.leadIds.length === 0) throw badInput('message', 'describes no audience: name lead ids, an industry or a region of the sample CRM');
  const name = read.input.name ?? `${read.input.channel ?? 'email'} campaign: ${read.audienceLabel}`;
  return { input: { ...read.input, name, leadIds: read.leadIds }, audienceLabel: read.audienceLabel };
}

function summary(plan: CampaignPlan): string {
  return `${plan.status === 'draft' ? 'Planned' : 'Scheduled'} ${plan.campaignId} "${plan.name}": ${plan.audienceSize} contacts by ${plan.channel}, ${plan.schedule.waves.length} wave(s) ${plan.schedule.startDate}..${plan.schedule.endDate}, budget ${plan.budget.total} USD, ~${plan.expected.responses} responses expected`;
}

async function run(raw: string | CampaignInput, ctx: SkillContext, status: CampaignPlan['status']): Promise<CampaignPlan> {
  const input = typeof raw === 'string' ? (await inputFromText(raw, ctx)).input : raw;
  ctx.progress(`Building the audience of "${input.name}"`);
  const plan = planCampaign(input, status, today());
  ctx.usage(
    status === 'scheduled'
      ? { credits: Math.round((LAUNCH_CREDITS + LAUNCH_CREDITS_PER_CONTACT * plan.audienceSize) * 1000) / 1000, units: { contacts: plan.audienceSize } }
      : { credits: PLAN_CREDITS, units: { contacts: plan.audienceSize } },
  );
  ctx.artifact({ name: 'summary', parts: [{ text: summary(plan) }] });
  return plan;
}

const audienceLead = { type: 'object', required: ['leadId'], properties: { leadId: { type: 'string', minLength: 1, maxLength: 64 }, score: { type: 'number', minimum: 0, maximum: 100 } } } as const;
const campaignInput = {
  type: 'object',
  required: ['name'],
  anyOf: [{ required: ['leadIds'] }, { required: ['leads'] }],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 120 },
    leadIds: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', minLength: 1, maxLength: 64 } },
    leads: { type: 'array', minItems: 1, maxItems: 10000, items: audienceLead },
    channel: { enum: CHANNEL_NAMES },
    startDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    minScore: { type: 'number', minimum: 0, maximum: 100 },
    budgetCap: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;
const input = textOrData(campaignInput);

/** Seed 004's CampaignOrchestrator: turns an audience into a scheduled, budgeted outreach campaign. */
export default defineAgent({
  card: {
    name: 'campaign-orchestrator',
    description: 'Plans and launches outreach campaigns (email, LinkedIn, SMS, ads) to an audience of leads: schedule in daily waves, budget and expected responses.',
    ...EXAMPLE_PUBLISHER,
  },
  defaultSkill: 'launch-campaign',
  registry: {
    department: 'marketing',
    owner: 'growth-marketing@example.com',
    costCenter: 'CC-MKT-03',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 3000 },
    tags: ['dealscale', 'marketing'],
    skills: {
      'launch-campaign': { pricing: { creditsPerCall: LAUNCH_CREDITS, creditsPerItem: LAUNCH_CREDITS_PER_CONTACT, itemsPath: 'leadIds' } },
      'plan-campaign': { pricing: { creditsPerCall: PLAN_CREDITS } },
    },
  },
  skills: {
    'launch-campaign': {
      name: 'Launch campaign',
      description: 'Schedules an outreach campaign to leads (ids or scored leads, best first): daily send waves on business days, budget, expected responses; the campaign id is stable for the same request. Data { name, leadIds | leads, channel?, startDate?, minScore?, budgetCap? } or text.',
      tags: ['campaign', 'outreach', 'marketing', 'launch', 'email', 'linkedin'],
      examples: [
        'launch an email campaign called "Q3 Fintech" to fintech prospects in EMEA',
        'start a LinkedIn outreach to lead-002, lead-004 and lead-007 from 2026-03-02',
        'send the top scored leads a campaign with a 500 USD budget',
        '{"name":"Q3 Fintech","leads":[{"leadId":"lead-002","score":81}],"channel":"email","minScore":60}',
      ],
      input,
      idempotent: true,
      handler: (raw: string | CampaignInput, ctx) => run(raw, ctx, 'scheduled'),
    },
    'plan-campaign': {
      name: 'Plan campaign',
      description: 'Drafts a campaign without launching it: audience size, send schedule, budget estimate and expected responses per channel. Same input as launch-campaign.',
      tags: ['campaign', 'planning', 'budget', 'marketing', 'estimate'],
      examples: ['plan an SMS campaign to retail prospects and estimate its budget', 'how much would a LinkedIn campaign to all saas leads in APAC cost?', 'draft an ads campaign for healthcare in NA'],
      input,
      idempotent: true,
      handler: (raw: string | CampaignInput, ctx) => run(raw, ctx, 'draft'),
    },
  },
});
