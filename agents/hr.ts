import { defineAgent } from 'agentmesh';
import { answerPolicyQuestion, policySections } from './hr/policy-index.js';
import { textOrData } from './shared/text-or-data.js';
import { EXAMPLE_PUBLISHER } from './shared/example-publisher.js';

const ANSWER_CREDITS = 0.2;

/**
 * Seed 000's HR department agent: answers employee questions from the policy
 * handbook. `agentmesh up` also serves it as a plain ACP agent named
 * `hr-acp` (acp-example.ts), bridged by the gateway: one agent, two protocols.
 */
export function defineHrAgent(name = 'hr') {
  return defineAgent({
  card: {
    name,
    description: 'Human resources: answers employee questions about company policies and benefits from the employee handbook, quoting the relevant policy.',
    ...EXAMPLE_PUBLISHER,
  },
  registry: {
    department: 'hr',
    owner: 'people-ops@example.com',
    costCenter: 'CC-HR-07',
    sla: { tier: 'silver', availability: 99.5, maxLatencyMs: 1000 },
    tags: ['people', 'handbook'],
    skills: { 'answer-policy-question': { pricing: { creditsPerCall: ANSWER_CREDITS } } },
  },
  skills: {
    'answer-policy-question': {
      name: 'Answer policy question',
      description: `Finds the handbook passages that answer an employee's question (BM25 search) and quotes the answering sentence. Policies: ${policySections.join(', ')}. Text question, or data { question, topK? }.`,
      tags: ['hr', 'policy', 'handbook', 'benefits', 'leave', 'employee'],
      examples: [
        'how much paid vacation do employees get?',
        'what is the parental leave policy for adoptive parents?',
        'what is the meal allowance when travelling for work?',
        '{"question":"how do I report misconduct anonymously?","topK":2}',
      ],
      input: textOrData(
        {
          type: 'object',
          required: ['question'],
          additionalProperties: false,
          properties: { question: { type: 'string', minLength: 1, maxLength: 2000 }, topK: { type: 'integer', minimum: 1, maximum: 10 } },
        },
        2000,
      ),
      idempotent: true,
      handler: (input, ctx) => {
        const question = typeof input === 'string' ? input : input.question;
        const result = answerPolicyQuestion(question, typeof input === 'string' ? 3 : (input.topK ?? 3));
        ctx.usage({ credits: ANSWER_CREDITS, units: { questions: 1 } });
        ctx.artifact({ name: 'answer', parts: [{ text: result.answer }] });
        return result;
      },
    },
  },
  });
}

export default defineHrAgent();
