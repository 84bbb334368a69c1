/**
 * Prints the lookalike model's figures on the generated leads' hold-out,
 * the same ones `score-lookalike` returns with `evaluate: true`:
 *
 *   node --import tsx agents/audience-architect/measure-lookalike.ts
 */
import { convertedLeadIds, generatedLeads } from '../shared/generated-leads.js';
import { evaluateLookalike } from './evaluate-lookalike.js';

process.stdout.write(`${JSON.stringify(evaluateLookalike({ leads: [...generatedLeads().values()], converted: convertedLeadIds() }), null, 2)}\n`);
