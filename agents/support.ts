import { defineAgent } from 'agentmesh';
import { CATEGORY_RULES } from './support/triage-rules.js';
import { triageTicket } from './support/triage-ticket.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const TRIAGE_CREDITS = 0.5;

/** Seed 000's support department agent: triages tickets to a category, a priority and the owning team. */
export default defineAgent({
  card: {
    name: 'support',
    description: 'Customer support desk: triages support tickets and customer issues into a category, a priority (P1-P4) with a first-response target, and the team that should handle them.',
    ...EXAMPLE_PUBLISHER,
  },
  registry: {
    department: 'support',
    owner: 'support-ops@example.com',
    costCenter: 'CC-SUP-06',
    sla: { tier: 'gold', availability: 99.95, maxLatencyMs: 500 },
    tags: ['helpdesk', 'customer-service'],
    skills: { 'triage-ticket': { pricing: { creditsPerCall: TRIAGE_CREDITS } } },
  },
  skills: {
    'triage-ticket': {
      name: 'Triage ticket',
      description: `Reads a customer ticket and decides its category (${CATEGORY_RULES.map((r) => r.id).join(', ')}), priority and the team to assign, with the words that decided. Ticket text, or data { subject?, body, customerTier? }.`,
      tags: ['support', 'ticket', 'triage', 'helpdesk', 'incident', 'customer-issue'],
      examples: [
        'triage: customers get a 503 error on checkout since this morning',
        'user is locked out of their account after enabling 2FA',
        'we were billed for 30 seats but only have 20, please refund',
        '{"subject":"Export broken","body":"CSV export fails with an exception","customerTier":"enterprise"}',
      ],
      input: textOrData({
        type: 'object',
        required: ['body'],
        additionalProperties: false,
        properties: {
          subject: { type: 'string', maxLength: 500 },
          body: { type: 'string', minLength: 1, maxLength: 20000 },
          customerTier: { enum: ['free', 'standard', 'business', 'enterprise'] },
        },
      }),
      idempotent: true,
      handler: (input, ctx) => {
        const triage = triageTicket(typeof input === 'string' ? { body: input } : input);
        ctx.usage({ credits: TRIAGE_CREDITS, units: { tickets: 1 } });
        ctx.artifact({ name: 'summary', parts: [{ text: `${triage.priority} ${triage.category} → ${triage.team} (first response within ${triage.firstResponseHours} h)` }] });
        return triage;
      },
    },
  },
});
