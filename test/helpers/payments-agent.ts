/**
 * The `payments` agent of the approval and policy tests: one priced skill that takes `{ amount }`,
 * so a rule or a policy can judge the call's input, and records every amount it ran for, so a
 * test can tell whether a gated or refused call ever reached it.
 */
import type { AgentDefinition } from '../../src/runtime/index.js';
import { oneSkillAgent } from './one-skill-agent.js';

/** What the agent does: `pay` suppliers or `refund` customers; its price and department in the registry. */
export interface PaymentsSpec {
  skill: 'pay' | 'refund';
  creditsPerCall: number;
  department?: string;
}

/** The agent, and the amounts its skill ran for, in order. */
export function paymentsAgent(spec: PaymentsSpec): { agent: AgentDefinition; amounts: number[] } {
  const amounts: number[] = [];
  const [what, done] = spec.skill === 'pay' ? ['Pays suppliers', 'paid'] : ['Refunds customers', 'refunded'];
  const agent = oneSkillAgent({ name: 'payments', description: what, creditsPerCall: spec.creditsPerCall, ...(spec.department !== undefined && { department: spec.department }) }, spec.skill, {
    description: `${what}: an amount`,
    input: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
    handler: async (input: { amount: number }) => {
      amounts.push(input.amount);
      return `${done} ${input.amount}`;
    },
  });
  return { agent, amounts };
}
