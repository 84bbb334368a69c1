import { defineAgent, type SkillContext, type SkillInputOf } from 'agentmesh';
import { contactLines } from './data-engineer/contact-lines.js';
import { dedupeRecords } from './data-engineer/dedupe.js';
import { enrichLead, type EnrichedLead } from './data-engineer/firmographics.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { findLead } from './shared/find-lead.js';
import { generatedLeadIds } from './shared/generated-leads.js';
import { leadIdsInText, sampleLeads } from './shared/sample-leads.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const PROVIDERS = ['sample-crm', 'apollo', 'clearbit', 'zoominfo'] as const;
const ENRICH_CREDITS_PER_LEAD = 2;
const DEDUPE_CREDITS_PER_RECORD = 0.1;
const LIST_CREDITS = 0.1;
const PROGRESS_EVERY = 500;
const MAX_RECORDS = 5000;

const contactRecord = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 256 }, name: { type: 'string', maxLength: 256 }, email: { type: 'string', maxLength: 320 }, company: { type: 'string', maxLength: 256 } },
} as const;

/** The skills' inputs: text, or the data their schema describes; the handlers' types are read from these (ADR 0012). */
const enrichInput = textOrData({
  type: 'object',
  required: ['leadIds'],
  additionalProperties: false,
  properties: { leadIds: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', minLength: 1, maxLength: 64 } }, provider: { enum: [...PROVIDERS] } },
});
const dedupeInput = textOrData({
  type: 'object',
  required: ['records'],
  additionalProperties: false,
  properties: { records: { type: 'array', minItems: 2, maxItems: MAX_RECORDS, items: contactRecord }, threshold: { type: 'number', minimum: 0.5, maximum: 1 } },
});
const listInput = textOrData({
  type: 'object',
  additionalProperties: false,
  properties: {
    count: { type: 'integer', minimum: 1, maximum: 10000 },
    offset: { type: 'integer', minimum: 0 },
    source: { enum: ['generated', 'sample'] },
  },
});
type ListInput = Exclude<SkillInputOf<typeof listInput>, string>;

/** Lead ids a text request names: ids written out, or every lead for "all leads". */
async function leadIdsFromText(text: string, ctx: SkillContext): Promise<string[]> {
  const read = (t: string): string[] => (/\ball\b/i.test(t) && leadIdsInText(t).length === 0 ? [...sampleLeads.keys()] : leadIdsInText(t));
  let ids = read(text);
  if (ids.length === 0) ids = read(await askText(ctx, 'Which leads should I enrich? Send their ids (for example lead-001, lead-002) or "all".'));
  if (ids.length === 0) throw badInput('message', 'names no lead to enrich: write lead ids such as lead-001, or "all leads"');
  return ids;
}

async function enrich(input: SkillInputOf<typeof enrichInput>, ctx: SkillContext): Promise<{ leads: EnrichedLead[]; leadIds: string[]; enrichedLeadIds: string[]; count: number; notFound: string[]; provider: string }> {
  const ids = [...new Set(typeof input === 'string' ? await leadIdsFromText(input, ctx) : input.leadIds)];
  const provider = typeof input === 'string' ? 'sample-crm' : (input.provider ?? 'sample-crm');
  const notFound = ids.filter((id) => findLead(id) === undefined);
  if (notFound.length === ids.length) {
    throw badInput('leadIds', `match no lead of the company database (${notFound.slice(0, 5).join(', ')}${notFound.length > 5 ? ` and ${notFound.length - 5} more` : ''}); ids look like lead-001`);
  }
  ctx.progress(`Enriching ${ids.length - notFound.length} leads`);
  const leads: EnrichedLead[] = [];
  for (const id of ids) {
    if (ctx.signal.aborted) return { leads, leadIds: [], enrichedLeadIds: [], count: 0, notFound, provider };
    const lead = findLead(id);
    if (!lead) continue;
    leads.push(enrichLead(lead, provider));
    if (leads.length % PROGRESS_EVERY === 0 && leads.length < ids.length - notFound.length) ctx.progress(`Enriched ${leads.length} of ${ids.length - notFound.length} leads`);
  }
  // Charged per lead actually enriched: ids the database does not know cost nothing.
  ctx.usage({ credits: leads.length * ENRICH_CREDITS_PER_LEAD, units: { leads: leads.length } });
  const leadIds = leads.map((l) => l.leadId);
  return { leads, leadIds, enrichedLeadIds: leadIds, count: leads.length, notFound, provider };
}

/** A request in words: "list 500 leads", "the first 100 sample leads", "leads 200 to 300". */
function listInputFromText(text: string): ListInput {
  const source = /\bsample\b|\bcrm\b|hand-?made/i.test(text) ? 'sample' : 'generated';
  const range = /\b(\d[\d,]*)\s*(?:-|to|through|…|\.\.)\s*(\d[\d,]*)\b/i.exec(text);
  const n = (s: string): number => Number(s.replace(/,/g, ''));
  if (range) return { source, offset: Math.max(0, n(range[1]!) - 1), count: Math.max(1, n(range[2]!) - n(range[1]!) + 1) };
  const count = /\b(\d[\d,]*)\b/.exec(text);
  return { source, ...(count && { count: n(count[1]!) }) };
}

/**
 * Pages through the ids of the company database: the first step of a
 * map-reduce over many leads (seed 004's 10,000), which then enriches and
 * scores them in batches.
 */
function list(input: SkillInputOf<typeof listInput>, ctx: SkillContext): { leadIds: string[]; count: number; offset: number; total: number; source: string } {
  const request = typeof input === 'string' ? listInputFromText(input) : input;
  const source = request.source ?? 'generated';
  const all = source === 'sample' ? [...sampleLeads.keys()] : generatedLeadIds();
  const offset = request.offset ?? 0;
  if (offset > all.length) throw badInput('offset', `is past the end of the ${source} leads (${all.length})`);
  const leadIds = all.slice(offset, request.count === undefined ? undefined : offset + request.count);
  ctx.usage({ credits: LIST_CREDITS, units: { leads: leadIds.length } });
  ctx.artifact({ name: 'summary', parts: [{ text: `${leadIds.length} ${source} lead ids from ${offset + 1} (of ${all.length})` }] });
  return { leadIds, count: leadIds.length, offset, total: all.length, source };
}

async function dedupe(input: SkillInputOf<typeof dedupeInput>, ctx: SkillContext): Promise<ReturnType<typeof dedupeRecords>> {
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


/** Seed 004's DataEngineer: lead enrichment from the company database and fuzzy deduplication. */
export default defineAgent({
  card: {
    name: 'data-engineer',
    description: 'Data quality for sales data: enriches leads with firmographics (industry, company size, revenue, region, segment) and finds duplicate contacts and companies.',
    ...EXAMPLE_PUBLISHER,
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
      'list-leads': { pricing: { creditsPerCall: LIST_CREDITS } },
    },
  },
  skills: {
    'enrich-leads': {
      name: 'Enrich leads',
      description: 'Adds firmographic data to leads from the company database (200 sample leads lead-001…, 10,000 generated lead-00001…): industry, company size band, revenue band, region and a go-to-market segment. Data { leadIds: [...] } or text naming lead ids or "all leads".',
      tags: ['enrichment', 'firmographics', 'leads', 'company-data', 'segment'],
      examples: ['enrich lead-001 and lead-002', 'add company size, revenue and industry to all leads', 'which segment and region is lead-042 in?', '{"leadIds":["lead-001","lead-002"],"provider":"apollo"}'],
      input: enrichInput,
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
      input: dedupeInput,
      idempotent: true,
      handler: dedupe,
    },
    'list-leads': {
      name: 'List leads',
      description: 'Lists lead ids of the company database page by page: the 10,000 generated leads (lead-00001…, default) or the 200 sample CRM leads. Data { count?, offset?, source? } or text such as "list 500 leads".',
      tags: ['leads', 'list', 'ids', 'pagination', 'company-data'],
      examples: ['list the first 500 leads', 'list leads 1001 to 2000', 'give me the ids of all sample CRM leads', '{"count":10000,"offset":0}'],
      input: listInput,
      idempotent: true,
      handler: list,
    },
  },
});
