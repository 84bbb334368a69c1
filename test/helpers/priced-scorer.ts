import { defineAgent, type AgentDefinition, type DynamicSkillDefinition, type SkillContext } from '../../src/runtime/index.js';

/** What the priced scorer's `score` skill takes: the leads, and whatever flags the test declared. */
export type LeadsInput = { leadIds: string[] } & Record<string, unknown>;

/**
 * An agent priced as seed 004 prices a lead scorer (department sales; its skill `score` costs
 * 1 credit per lead over `leadIds`): `score` takes `{ leadIds, ...flags }` (each flag a boolean the
 * test names) and runs `handler`. `more` adds skills, and `pricing` their registry pricing.
 */
export function pricedLeadScorer<I extends LeadsInput>(
  card: { name: string; description: string },
  handler: (input: I, ctx: SkillContext) => Promise<unknown>,
  options: { flags?: string[]; more?: Record<string, DynamicSkillDefinition>; pricing?: Record<string, unknown> } = {},
): AgentDefinition {
  const flags = Object.fromEntries((options.flags ?? []).map((flag) => [flag, { type: 'boolean' }]));
  return defineAgent({
    card,
    registry: { department: 'sales', skills: { score: { pricing: { creditsPerItem: 1, itemsPath: 'leadIds' } }, ...options.pricing } },
    skills: {
      score: {
        description: 'Scores leads',
        input: { type: 'object', required: ['leadIds'], properties: { leadIds: { type: 'array', items: { type: 'string' } }, ...flags } },
        handler: (input: unknown, ctx: SkillContext) => handler(input as I, ctx),
      },
      ...options.more,
    },
  });
}

/** Reports `creditsPerLead` credits a lead as what scoring used, and answers `{ scored: <how many leads> }`. */
export function scoredLeads(input: LeadsInput, ctx: SkillContext, creditsPerLead: number): { scored: number } {
  ctx.usage({ credits: input.leadIds.length * creditsPerLead });
  return { scored: input.leadIds.length };
}

/**
 * A {@link pricedLeadScorer} named `name` that charges 1 credit a lead, whose calls with `hold: true`
 * wait until the test lets them go: each waiting call's release is in `held`, in arrival order.
 */
export function holdingLeadScorer(name: string): { scorer: AgentDefinition; held: Array<() => void> } {
  const held: Array<() => void> = [];
  const scorer = pricedLeadScorer(
    { name, description: 'Scores leads' },
    async (input: LeadsInput & { hold?: boolean }, ctx) => {
      if (input.hold) await new Promise<void>((resolve) => held.push(resolve));
      return scoredLeads(input, ctx, 1);
    },
    { flags: ['hold'] },
  );
  return { scorer, held };
}
