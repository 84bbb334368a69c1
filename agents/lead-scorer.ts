import { defineAgent } from 'agentmesh';
import { lookalikeScore, scoreBand, type ScoreBand } from './lead-scorer/lookalike-score.js';
import { findLead } from './shared/find-lead.js';
import { sampleBestCustomers as best, sampleProspectIds as prospects } from './shared/sample-leads.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

export { lookalikeScore } from './lead-scorer/lookalike-score.js';

/** Seed 004's scoring agent: scores leads against the best customers, charging credits per lead. */
export default defineAgent({
  card: {
    name: 'lead-scorer',
    description: 'Scores and ranks sales leads 0-100 so sales knows which to call first, and counts them by band (high, medium, low): lead qualification and prioritization.',
    ...EXAMPLE_PUBLISHER,
  },
  // What the registry records beside the card (seed 004: credits per lead, counted over leadIds).
  registry: {
    department: 'sales',
    owner: 'revops@example.com',
    costCenter: 'CC-SALES-01',
    sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 2000 },
    tags: ['dealscale', 'lead-scoring'],
    skills: { 'score-leads': { pricing: { creditsPerItem: 1, itemsPath: 'leadIds' } } },
  },
  skills: {
    'score-leads': {
      name: 'Score leads',
      description: 'Scores the given leads 0-100 (the score compares each lead with the best customers) and counts them by band (high 80+, medium 60-79, low), best first; text "score all leads" or data { leadIds: [...], top? }.',
      tags: ['sales', 'leads', 'scoring', 'qualification', 'prioritization'],
      examples: ['score lead-001, lead-002 and lead-003', 'which of our leads should sales call first?', '{"leadIds":["lead-001","lead-002"]}'],
      input: {
        oneOf: [
          { type: 'string' },
          { type: 'object', required: ['leadIds'], additionalProperties: false, properties: { leadIds: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string' } }, top: { type: 'integer', minimum: 1, maximum: 1000 } } },
        ],
      },
      idempotent: true,
      handler: async (input, ctx) => {
        const ids = typeof input === 'string' ? prospects : input.leadIds;
        const top = typeof input === 'string' ? 10 : (input.top ?? ids.length);
        const unknown = ids.filter((id) => findLead(id) === undefined);
        if (unknown.length > 0) throw new Error(`Unknown lead ids: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
        ctx.progress(`Scoring ${ids.length} leads against ${best.length} best customers`);
        const scored = [];
        const bands: Record<ScoreBand, number> = { high: 0, medium: 0, low: 0 };
        for (let i = 0; i < ids.length; i++) {
          if (ctx.signal.aborted) return undefined;
          const lead = findLead(ids[i]!)!;
          const result = lookalikeScore(lead);
          bands[scoreBand(result.score)] += 1;
          scored.push({ leadId: lead.id, company: lead.company, ...result });
          if ((i + 1) % 100 === 0 && i + 1 < ids.length) ctx.progress(`Scored ${i + 1} of ${ids.length} leads`);
        }
        scored.sort((a, b) => b.score - a.score || a.leadId.localeCompare(b.leadId));
        ctx.usage({ credits: ids.length, units: { leads: ids.length } });
        const topLeads = scored.slice(0, top);
        ctx.artifact({ name: 'summary', parts: [{ text: topLeads.map((s) => `${s.leadId} ${s.company}: ${s.score}`).join('\n') }] });
        return { scored: topLeads, count: ids.length, bands };
      },
    },
  },
});
