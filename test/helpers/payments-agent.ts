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

/**
 * The `payments` agent of the tests of a parked call's fate (sent again, refunded): its one priced
 * skill, `pay`, takes plain text and records each text it ran for, so a test can tell how many times
 * an approved call reached it.
 */
export function textPaymentsAgent(creditsPerCall: number): { agent: AgentDefinition; runs: string[] } {
  const runs: string[] = [];
  const agent = oneSkillAgent({ name: 'payments', description: 'Pays suppliers', creditsPerCall }, 'pay', {
    description: 'Pays',
    handler: async (text: string) => {
      runs.push(text);
      return `paid ${text}`;
    },
  });
  return { agent, runs };
}
