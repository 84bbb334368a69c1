import { defineAgent, type SkillContext, type SkillInputOf } from 'agentmesh';
import { calculateCosts } from './finance/calculate-costs.js';
import { costText } from './finance/cost-text.js';
import { reviewContract } from './legal/review-contract.js';
import { analyzeLeads, LEAD_DIMENSIONS, type PipelineSummary } from './sales/analyze-leads.js';
import { draftProposal, type Proposal, type ProposalInput } from './sales/draft-proposal.js';
import { proposalText } from './sales/proposal-text.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { findLead } from './shared/find-lead.js';
import { generatedLeads } from './shared/generated-leads.js';
import { sampleLeads, sampleProspectIds, type SampleLead } from './shared/sample-leads.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const PROPOSAL_CREDITS = 2;
const ANALYZE_CREDITS = 1;

/** Today, read once per task: the only clock input (a proposal's default date). */
const today = (): string => new Date().toISOString().slice(0, 10);

/** A proposal asked for in words: finance and legal's logic run here on what the text carries, and the rest is asked for. */
async function requestFromText(text: string, ctx: SkillContext): Promise<Omit<ProposalInput, 'date'> & { date?: string }> {
  const read = proposalText(text);
  const customer = read.customer ?? (await askText(ctx, 'Who is the proposal for? Give the customer\'s company name.')).split('\n')[0]!.trim();
  if (customer === '') throw badInput('message', 'names no customer: write "proposal for <Company>"');
  let costs = read.costs;
  if (costs.items.length === 0) costs = { ...costs, ...costText(await askText(ctx, `What should the proposal for ${customer} price? For example: "20 seats at 49 USD a month, 1 onboarding at 1500, 10% discount".`)) };
  if (costs.items.length === 0) throw badInput('message', 'lists no item to price: write "<quantity> <item> at <price>", e.g. "20 seats at 49 USD"');
  return { customer, costs: calculateCosts(costs), ...(read.contract !== undefined && { review: reviewContract(read.contract) }) };
}

async function proposal(input: SkillInputOf<typeof proposalInput>, ctx: SkillContext): Promise<Proposal> {
  const request = typeof input === 'string' ? await requestFromText(input, ctx) : input;
  ctx.progress(`Drafting the proposal for ${request.customer}`);
  const result = draftProposal({ ...request, date: request.date ?? today() });
  ctx.usage({ credits: PROPOSAL_CREDITS, units: { lines: result.priceTable.rows.length } });
  ctx.artifact({ name: 'proposal', parts: [{ text: result.text }] });
  return result;
}

function leadsOf(request: AnalyzeRequest): SampleLead[] {
  if (request.leadIds !== undefined) {
    const unknown = request.leadIds.filter((id) => findLead(id) === undefined);
    if (unknown.length > 0) throw badInput('leadIds', `name leads the company database does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
    return [...new Set(request.leadIds)].map((id) => findLead(id)!);
  }
  // The pipeline is prospects: the best customers are already won, and would score 100 against themselves.
  const source = request.source ?? 'sample';
  const prospects = source === 'generated' ? [] : sampleProspectIds.map((id) => sampleLeads.get(id)!);
  return [...prospects, ...(source === 'sample' ? [] : generatedLeads().values())];
}

function analyzeFromText(text: string): AnalyzeRequest {
  const groupBy = LEAD_DIMENSIONS.filter((d) => new RegExp(`\\b${d === 'industry' ? 'industr(?:y|ies)' : `${d}s?`}\\b`, 'i').test(text));
  const source = /\b(?:generated|synthetic|10,?000)\b/i.test(text) ? 'generated' : 'sample';
  return { source, ...(groupBy.length > 0 && { groupBy }) };
}

function analyze(input: SkillInputOf<typeof analyzeInput>, ctx: SkillContext): PipelineSummary {
  const request = typeof input === 'string' ? analyzeFromText(input) : input;
  const leads = leadsOf(request);
  ctx.progress(`Analyzing ${leads.length} leads`);
  const summary = analyzeLeads(leads, request.groupBy ?? ['segment', 'region']);
  ctx.usage({ credits: ANALYZE_CREDITS, units: { leads: leads.length } });
  const lines = Object.entries(summary.groups).flatMap(([dimension, groups]) => [`by ${dimension}:`, ...groups.map((g) => `  ${g.key}: ${g.leads} leads, avg score ${g.avgScore}, ${g.highScore} scoring 80+, ${g.hot} hot, ${g.revenueMUsd}M USD revenue`)]);
  ctx.artifact({ name: 'summary', parts: [{ text: [`${summary.leads} leads, avg score ${summary.avgScore}, ${summary.highScore} scoring 80+, ${summary.hot} hot`, ...lines].join('\n') }] });
  return summary;
}

const costLine = {
  type: 'object',
  required: ['description', 'quantity', 'unitPrice', 'amount'],
  properties: { description: { type: 'string' }, quantity: { type: 'number' }, unitPrice: { type: 'number' }, amount: { type: 'number' }, period: { enum: ['one-time', 'month', 'year'], default: 'one-time' } },
} as const;
const finding = {
  type: 'object',
  required: ['severity', 'title', 'recommendation'],
  properties: { severity: { enum: ['high', 'medium', 'low'] }, title: { type: 'string' }, recommendation: { type: 'string' }, clause: { type: 'string' } },
} as const;

/** The skills' inputs: text, or the data their schema describes; the handlers' types are read from these (ADR 0012). */
const proposalInput = textOrData({
  type: 'object',
  required: ['customer', 'costs'],
  additionalProperties: false,
  properties: {
    customer: { type: 'string', minLength: 1, maxLength: 200 },
    costs: {
      type: 'object',
      required: ['currency', 'lines', 'subtotal', 'total'],
      properties: {
        currency: { type: 'string' },
        lines: { type: 'array', minItems: 1, maxItems: 1000, items: costLine },
        subtotal: { type: 'number' },
        discountPct: { type: 'number', default: 0 },
        discount: { type: 'number', default: 0 },
        taxPct: { type: 'number', default: 0 },
        tax: { type: 'number', default: 0 },
        total: { type: 'number' },
        annualized: { type: 'number' },
      },
    },
    review: { type: 'object', required: ['riskLevel', 'findings'], properties: { riskLevel: { enum: ['high', 'medium', 'low'] }, findings: { type: 'array', items: finding }, clausesReviewed: { type: 'integer' }, complete: { type: 'boolean' } } },
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    validForDays: { type: 'integer', minimum: 1, maximum: 365 },
  },
});
const analyzeInput = textOrData({
  type: 'object',
  additionalProperties: false,
  properties: {
    leadIds: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 64 } },
    source: { enum: ['sample', 'generated', 'all'] },
    groupBy: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...LEAD_DIMENSIONS] } },
  },
});
type AnalyzeRequest = Exclude<SkillInputOf<typeof analyzeInput>, string>;

/** Seed 000's sales department: proposals from legal's review and finance's costs, and pipeline analysis. */
export default defineAgent({
  card: {
    name: 'sales',
    description: 'Sales department: drafts customer proposals (price table, contract risk notes, next steps) from a contract review and a cost calculation, and summarizes the lead pipeline by segment and region.',
    ...EXAMPLE_PUBLISHER,
  },
  defaultSkill: 'draft-proposal',
  registry: {
    department: 'sales',
    owner: 'sales-desk@example.com',
    costCenter: 'CC-SALES-09',
    sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 2000 },
    tags: ['sales', 'proposals'],
    skills: {
      'draft-proposal': { pricing: { creditsPerCall: PROPOSAL_CREDITS } },
      'analyze-leads': { pricing: { creditsPerCall: ANALYZE_CREDITS } },
    },
  },
  skills: {
    'draft-proposal': {
      name: 'Draft proposal',
      description:
        'Drafts a customer proposal document: summary, price table (from finance calculate-costs), contract risk notes (from legal review-contract), next steps and the offer\'s expiry, as Markdown text and data. Data { customer, costs, review?, date?, validForDays? } or text with the customer, the items and optionally the contract.',
      tags: ['sales', 'proposal', 'offer', 'document', 'customer-proposal'],
      examples: [
        'draft a proposal for Acme Corp: 20 seats at 49 USD a month, 1 onboarding at 1500, 10% discount',
        'write the offer for Globex with the reviewed contract and the cost breakdown',
        'prepare the proposal document for Initech from the legal review and the finance quote',
        '{"customer":"Acme Corp","costs":{"currency":"USD","lines":[{"description":"seats","quantity":20,"unitPrice":49,"amount":980,"period":"month"}],"subtotal":980,"discountPct":0,"discount":0,"taxPct":0,"tax":0,"total":980,"annualized":11760}}',
      ],
      input: proposalInput,
      idempotent: true,
      handler: proposal,
    },
    'analyze-leads': {
      name: 'Analyze leads',
      description: 'Summarizes the lead pipeline (the sample CRM\'s prospects, the generated leads, or given ids) by segment, region or industry: lead counts and share, mean lookalike score, leads scoring 80+, hot leads, revenue and the best lead per group. Data { leadIds? | source?, groupBy? } or text.',
      tags: ['sales', 'pipeline', 'leads', 'analysis', 'segment', 'region'],
      examples: ['summarize our pipeline by segment and region', 'analyze the generated leads by industry', 'how many good leads do we have in each region?', '{"source":"all","groupBy":["industry"]}'],
      input: analyzeInput,
      idempotent: true,
      handler: analyze,
    },
  },
});
