import { defineAgent, type SkillContext } from '../src/runtime/index.js';
import { contactLines } from './data-engineer/contact-lines.js';
import { dedupeRecords, type ContactRecord } from './data-engineer/dedupe.js';
import { enrichLead, type EnrichedLead } from './data-engineer/firmographics.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { leadIdsInText, sampleLeads } from './shared/sample-leads.js';
import { textOrData } from './shared/text-or-data.js';

const PROVIDERS = ['sample-crm', 'apollo', 'clearbit', 'zoominfo'] as const;
const ENRICH_CREDITS_PER_LEAD = 2;
const DEDUPE_CREDITS_PER_RECORD = 0.1;
const PROGRESS_EVERY = 500;
const MAX_RECORDS = 5000;

interface EnrichInput {
  leadIds: string[];
  /** Labels the records with the provider a workflow asked for; the example always reads the bundled sample. */
  provider?: (typeof PROVIDERS)[number];
}

interface DedupeInput {
  records: ContactRecord[];
  threshold?: number;
}

/** Lead ids a text request names: ids written out, or every lead for "all leads". */
async function leadIdsFromText(text: string, ctx: SkillContext): Promise<string[]> {
  const read = (t: string): string[] => (/\ball\b/i.test(t) && leadIdsInText(t).length === 0 ? [...sampleLeads.keys()] : leadIdsInText(t));
  let ids = read(text);
  if (ids.length === 0) ids = read(await askText(ctx, 'Which leads should I enrich? Send their ids (for example lead-001, lead-002) or "all".'));
  if (ids.length === 0) throw badInput('message', 'names no lead to enrich: write lead ids such as lead-001, or "all leads"');
  return ids;
}

async function enrich(input: string | EnrichInput, ctx: SkillContext): Promise<{ leads: EnrichedLead[]; leadIds: string[]; enrichedLeadIds: string[]; count: number; notFound: string[]; provider: string }> {
  const ids = [...new Set(typeof input === 'string' ? await leadIdsFromText(input, ctx) : input.leadIds)];
  const provider = typeof input === 'string' ? 'sample-crm' : (input.provider ?? 'sample-crm');
  const notFound = ids.filter((id) => !sampleLeads.has(id));
  if (notFound.length === ids.length) {
    throw badInput('leadIds', `match no lead of the company database (${notFound.slice(0, 5).join(', ')}${notFound.length > 5 ? ` and ${notFound.length - 5} more` : ''}); ids look like lead-001`);
  }
  ctx.progress(`Enriching ${ids.length - notFound.length} leads`);
  const leads: EnrichedLead[] = [];
  for (const id of ids) {
    if (ctx.signal.aborted) return { leads, leadIds: [], enrichedLeadIds: [], count: 0, notFound, provider };
    const lead = sampleLeads.get(id);
    if (!lead) continue;
    leads.push(enrichLead(lead, provider));
    if (leads.length % PROGRESS_EVERY === 0 && leads.length < ids.length - notFound.length) ctx.progress(`Enriched ${leads.length} of ${ids.length - notFound.length} leads`);
  }
  // Charged per lead actually enriched: ids the database does not know cost nothing.
  ctx.usage({ credits: leads.length * ENRICH_CREDITS_PER_LEAD, units: { leads: leads.length } });
  const leadIds = leads.map((l) => l.leadId);
  return { leads, leadIds, enrichedLeadIds: leadIds, count: leads.length, notFound, provider };
}

async function dedupe(input: string | DedupeInput, ctx: SkillContext): Promise<ReturnType<typeof dedupeRecords>> {
  let records = typeof input === 'string' ? contactLines(input) : input.records;
  if (typeof input === 'string' && records.length < 2) {
    records = contactLines(await askText(ctx, 'Send the records to deduplicate, one per line: name, email, company.'));
  }
  if (records.length < 2) throw badInput('records', 'must hold at least two records to compare (one per line: name, email, company)');
  if (records.length > MAX_RECORDS) throw badInput('records', `must hold at most ${MAX_RECORDS} records per call; split the list (a workflow map step does)`);
  const blank = records.findIndex((r) => [r.name, r.email, r.company].every((v) => typeof v !== 'string' || v.trim() === ''));
  if (blank >= 0) throw badInput(`records[${blank}]`, 'needs a name, an email or a company to compare');
  ctx.progress(`Comparing ${records.length} records`);
  const result = dedupeRecords(records, {
    threshold: typeof input === 'string' ? undefined : input.threshold,
    onProgress: (done, total) => ctx.progress(`Compared ${done} of ${total} records`),
  });
  ctx.usage({ credits: Math.round(records.length * DEDUPE_CREDITS_PER_RECORD * 1000) / 1000, units: { records: records.length } });
  ctx.artifact({ name: 'summary', parts: [{ text: `${result.inputCount} records, ${result.uniqueCount} unique, ${result.removedCount} duplicates merged` }] });
  return result;
}

const contactRecord = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 256 }, name: { type: 'string', maxLength: 256 }, email: { type: 'string', maxLength: 320 }, company: { type: 'string', maxLength: 256 } },
};

/** Seed 004's DataEngineer: lead enrichment from the company database and fuzzy deduplication. */
export default defineAgent({
  card: {
    name: 'data-engineer',
    description: 'Data quality for sales data: enriches leads with firmographics (industry, company size, revenue, region, segment) and finds duplicate contacts and companies.',
    version: '1.0.0',
    provider: { organization: 'agentmesh examples', url: 'https://github.com/agentmesh' },
  },
  defaultSkill: 'enrich-leads',
  registry: {
    department: 'data',
    owner: 'data-platform@example.com',
    costCenter: 'CC-DATA-02',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 5000 },
    tags: ['dealscale', 'data-quality'],
    skills: {
      'enrich-leads': { pricing: { creditsPerItem: ENRICH_CREDITS_PER_LEAD, itemsPath: 'leadIds' } },
      'dedupe-leads': { pricing: { creditsPerItem: DEDUPE_CREDITS_PER_RECORD, itemsPath: 'records' } },
    },
  },
  skills: {
    'enrich-leads': {
      name: 'Enrich leads',
      description: 'Adds firmographic data to leads from the company database: industry, company size band, revenue band, region and a go-to-market segment. Data { leadIds: [...] } or text naming lead ids or "all leads".',
      tags: ['enrichment', 'firmographics', 'leads', 'company-data', 'segment'],
      examples: ['enrich lead-001 and lead-002', 'add company size, revenue and industry to all leads', 'which segment and region is lead-042 in?', '{"leadIds":["lead-001","lead-002"],"provider":"apollo"}'],
      input: textOrData({
        type: 'object',
        required: ['leadIds'],
        additionalProperties: false,
        properties: { leadIds: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', minLength: 1, maxLength: 64 } }, provider: { enum: [...PROVIDERS] } },
      }),
      idempotent: true,
      handler: enrich,
    },
    'dedupe-leads': {
      name: 'Deduplicate records',
      description: 'Finds and merges duplicate contact or company records by fuzzy matching of normalized names, emails and company names (Jaro-Winkler), keeping the first of each group. Data { records: [{ name, email, company }] } or text with one record per line.',
      tags: ['deduplication', 'dedupe', 'duplicates', 'merge', 'data-cleaning', 'crm'],
      examples: [
        'dedupe these contacts:\nJane Doe, jane@acme.com, Acme Inc\nJane Doe; jane+news@acme.com; ACME',
        'merge duplicate records in my contact list',
        'find companies entered twice under different spellings',
        '{"records":[{"name":"Jane Doe","company":"Acme Inc"},{"name":"doe, jane","company":"ACME"}]}',
      ],
      input: textOrData({
        type: 'object',
        required: ['records'],
        additionalProperties: false,
        properties: { records: { type: 'array', minItems: 2, maxItems: MAX_RECORDS, items: contactRecord }, threshold: { type: 'number', minimum: 0.5, maximum: 1 } },
      }),
      idempotent: true,
      handler: dedupe,
    },
  },
});
