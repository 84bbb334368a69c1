/**
 * The agent the workflow workload's steps call: each call writes one effect to the external ledger,
 * a table the test owns (`nemesis_step_effects`, not agentmesh's), keyed by run, step and the
 * message id the orchestrator sent, then works a while (so a fault can land between the effect and
 * the step's recorded result) and answers the effect's id. The same message again (a replay, a
 * task taken over after a kill) finds its row and answers the same effect: the ledger holds a
 * second effect for a step only when the orchestrator sent the step a second message.
 *
 * A step sent with `ask` first asks its caller for an answer (the task goes input-required, and the
 * orchestrator puts the question to the workflow's client) and writes the answer into the effect's
 * id (`<message id> answered <answer>`): the checker then sees which answer the step acted on.
 */
import { sql, type Kysely } from 'kysely';
import type { Message } from '@a2a-js/sdk';
import { defineAgent, type AgentDefinition, type SkillContext } from '../../src/runtime/index.js';
import type { Tables } from '../../src/storage/index.js';
import { pause } from './worker-agent.js';

/** The external ledger's table, in the fleet's test schema. */
export const LEDGER_TABLE = 'nemesis_step_effects';

/** Creates the ledger (once, before any replica starts). */
export async function createLedger(db: Kysely<Tables>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS ${sql.table(LEDGER_TABLE)} (run_id text NOT NULL, step text NOT NULL, message_id text NOT NULL, effect_id text NOT NULL, PRIMARY KEY (run_id, step, message_id))`.execute(db);
}

/** Every effect of the ledger, by run: what the final read phase records. */
export async function readLedger(db: Kysely<Tables>): Promise<Map<string, Array<{ step: string; effectId: string }>>> {
  const { rows } = await sql<{ run_id: string; step: string; effect_id: string }>`SELECT run_id, step, effect_id FROM ${sql.table(LEDGER_TABLE)} ORDER BY run_id, step`.execute(db);
  const byRun = new Map<string, Array<{ step: string; effectId: string }>>();
  for (const row of rows) byRun.set(row.run_id, [...(byRun.get(row.run_id) ?? []), { step: row.step, effectId: row.effect_id }]);
  return byRun;
}

export function ledgerAgent(db: Kysely<Tables>): AgentDefinition {
  return defineAgent({
    card: { name: 'ledger', description: 'Writes a workflow step effect to the test ledger' },
    defaultSkill: 'effect',
    skills: {
      effect: {
        description: 'Writes the effect of a step, once per message',
        idempotent: true,
        input: {
          type: 'object',
          required: ['runId', 'step', 'workMs'],
          properties: { runId: { type: 'string' }, step: { type: 'string' }, workMs: { type: 'number' }, ask: { type: 'boolean' } },
        },
        handler: async (input: { runId: string; step: string; workMs: number; ask?: boolean }, ctx: SkillContext) => {
          const messageId = ctx.message.messageId;
          const effectId = input.ask === true ? `${messageId} answered ${answerText(await ctx.requestInput(`Which answer for step ${input.step}?`))}` : messageId;
          if (ctx.signal.aborted) return undefined;
          // The first effect of a message stays: a replay reads it back, so the step answers what the ledger holds.
          const { rows } = await sql<{ effect_id: string }>`
            INSERT INTO ${sql.table(LEDGER_TABLE)} (run_id, step, message_id, effect_id) VALUES (${input.runId}, ${input.step}, ${messageId}, ${effectId})
            ON CONFLICT (run_id, step, message_id) DO UPDATE SET effect_id = ${sql.table(LEDGER_TABLE)}.effect_id
            RETURNING effect_id`.execute(db);
          await pause(Math.min(Math.max(input.workMs, 0), 5000), ctx.signal);
          if (ctx.signal.aborted) return undefined;
          return { effectId: rows[0]!.effect_id };
        },
      },
    },
  });
}

/** The text of an answer: its text parts, joined. */
function answerText(message: Message): string {
  return message.parts.flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : [])).join(' ');
}
