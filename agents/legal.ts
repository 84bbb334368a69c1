import { defineAgent, type SkillContext } from 'agentmesh';
import { CONTRACT_RULES } from './legal/contract-rules.js';
import { DEFAULT_JURISDICTIONS, looksLikeContract, reviewContract, type ContractReview } from './legal/review-contract.js';
import { askText } from './shared/ask-text.js';
import { badInput } from './shared/bad-input.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const REVIEW_CREDITS = 2;
const MAX_CONTRACT_CHARS = 200_000;

/** The contract to review: the message itself, or, when it only talks about one, the text the user pastes when asked. */
async function contractText(text: string, ctx: SkillContext): Promise<string> {
  if (looksLikeContract(text)) return text;
  const answer = await askText(ctx, 'Please paste the contract text (or the clauses) you want reviewed.');
  if (!looksLikeContract(answer)) throw badInput('message', 'holds no contract text to review: paste the clauses themselves (terms such as "shall", "party", "terminate", "liability")');
  if (answer.length > MAX_CONTRACT_CHARS) throw badInput('message', `is longer than ${MAX_CONTRACT_CHARS} characters; review the contract in parts`);
  return answer;
}

/** Jurisdictions from the agent's config (seed 002), so each company sets its own. */
function configuredJurisdictions(config: Readonly<Record<string, unknown>>): string[] | undefined {
  const value = config['preferredJurisdictions'];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') && value.length > 0 ? value : undefined;
}

function summary(review: ContractReview): string {
  if (review.findings.length === 0) return `No issues found in ${review.clausesReviewed} clause(s) against ${CONTRACT_RULES.length} rules.`;
  const lines = review.findings.map((f) => `[${f.severity}] ${f.title}${f.clause ? ` (clause ${f.clause})` : ''}: ${f.recommendation}`);
  return [`Risk ${review.riskLevel}: ${review.summary.high} high, ${review.summary.medium} medium, ${review.summary.low} low`, ...lines].join('\n');
}

/** Seed 000's legal department agent: a first-pass contract review against the legal team's rule set. */
export default defineAgent({
  card: {
    name: 'legal',
    description: 'Legal department: reviews contracts and agreements (MSA, NDA, vendor terms) and flags risky clauses with severity and a recommended fix.',
    ...EXAMPLE_PUBLISHER,
  },
  registry: {
    department: 'legal',
    owner: 'legal-ops@example.com',
    costCenter: 'CC-LEGAL-04',
    sla: { tier: 'gold', availability: 99.9, maxLatencyMs: 2000 },
    tags: ['compliance', 'contracts'],
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { preferredJurisdictions: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
    },
    skills: { 'review-contract': { pricing: { creditsPerCall: REVIEW_CREDITS } } },
  },
  skills: {
    'review-contract': {
      name: 'Review contract',
      description: `Reviews contract text clause by clause and flags risks by severity: ${CONTRACT_RULES.map((r) => r.title.toLowerCase()).join(', ')}. Text of the contract, or data { text, ourRoles?, preferredJurisdictions? }.`,
      tags: ['legal', 'contract', 'review', 'clauses', 'risk', 'agreement', 'nda'],
      examples: [
        'review this contract: 1. Term. This Agreement shall automatically renew for successive one-year terms...',
        'check the liability and indemnity clauses of this vendor agreement',
        'is the termination notice period in this MSA acceptable?',
        '{"text":"The Supplier may terminate this Agreement on 5 days notice. This Agreement is governed by the laws of Texas.","ourRoles":["Customer"]}',
      ],
      input: textOrData(
        {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: {
            text: { type: 'string', minLength: 1, maxLength: MAX_CONTRACT_CHARS },
            ourRoles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 64 } },
            preferredJurisdictions: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 64 } },
          },
        },
        MAX_CONTRACT_CHARS,
      ),
      idempotent: true,
      handler: async (input, ctx) => {
        const text = typeof input === 'string' ? await contractText(input, ctx) : input.text;
        if (typeof input !== 'string' && !looksLikeContract(text)) throw badInput('text', 'is not contract text: expected clauses with terms such as "shall", "party", "terminate", "liability"');
        ctx.progress(`Reviewing the contract against ${CONTRACT_RULES.length} rules`);
        const review = reviewContract(text, {
          ourRoles: typeof input === 'string' ? undefined : input.ourRoles,
          preferredJurisdictions: (typeof input === 'string' ? undefined : input.preferredJurisdictions) ?? configuredJurisdictions(ctx.config) ?? DEFAULT_JURISDICTIONS,
        });
        ctx.usage({ credits: REVIEW_CREDITS, units: { clauses: review.clausesReviewed } });
        ctx.artifact({ name: 'summary', parts: [{ text: summary(review) }] });
        return review;
      },
    },
  },
});
