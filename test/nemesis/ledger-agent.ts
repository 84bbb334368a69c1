/**
 * The agent the workflow workload's steps call: each call writes one effect to the external ledger,
 * a table the test owns (`nemesis_step_effects`, not agentmesh's), keyed by run, step and the
 * message id the orchestrator sent, then works a while (so a fault can land between the effect and
 * the step's recorded result) and answers the effect's id. The same message again (a replay, a
 * task taken over after a kill) finds its row and answers the same effect: the ledger holds a
 * second effect for a step only when the orchestrator sent the step a second message.
 */
import { sql, type Kysely } from 'kysely';
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
        input: { type: 'object', required: ['runId', 'step', 'workMs'], properties: { runId: { type: 'string' }, step: { type: 'string' }, workMs: { type: 'number' } } },
        handler: async (input: { runId: string; step: string; workMs: number }, ctx: SkillContext) => {
          const messageId = ctx.message.messageId;
          await sql`INSERT INTO ${sql.table(LEDGER_TABLE)} (run_id, step, message_id, effect_id) VALUES (${input.runId}, ${input.step}, ${messageId}, ${messageId}) ON CONFLICT DO NOTHING`.execute(db);
          await pause(Math.min(Math.max(input.workMs, 0), 5000), ctx.signal);
          if (ctx.signal.aborted) return undefined;
          return { effectId: messageId };
        },
      },
    },
  });
}
