/**
 * The agent the approvals workload's calls reach once a person approved them at a gateway: priced,
 * so each parked call holds credits, and with an effect a test can count. Each call writes one row
 * to the test's own table (`nemesis_payment_effects`, not agentmesh's), keyed by the call the client
 * made (its text names it), the message id it arrived under, the task that ran it and the state its
 * parked call was in at that moment: the same task
 * run again (taken over after a kill) finds its row, as a payments API with an idempotency key
 * would; a call that runs as a second task or arrives under a second message id (sent again and
 * not recognised as the same message) is a second effect, and the checker says so.
 */
import { sql, type Kysely } from 'kysely';
import { defineAgent, type AgentDefinition, type SkillContext } from '../../src/runtime/index.js';
import type { Tables } from '../../src/storage/index.js';
import { pause } from './worker-agent.js';

export const PAYMENT_EFFECTS_TABLE = 'nemesis_payment_effects';

/** The tenant of the approvals clients: the only one calling the payments agent. */
export const APPROVALS_TENANT = 'approvals-tenant';

/** What a call to the payments agent holds and, completed, is charged: milli-credits. */
export const PAYMENT_PRICE = 2_000;

/** Creates the table (once, before any replica starts). */
export async function createPaymentEffects(db: Kysely<Tables>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS ${sql.table(PAYMENT_EFFECTS_TABLE)} (call_id text NOT NULL, message_id text NOT NULL, task_id text NOT NULL, approval_state text, PRIMARY KEY (call_id, message_id, task_id))`.execute(db);
}

/** Every effect, as the final read phase records it; `approvalState` is its parked call's state when it took effect (`none`: no parked call). */
export async function readPaymentEffects(db: Kysely<Tables>): Promise<Array<{ callId: string; messageId: string; taskId: string; approvalState: string }>> {
  const { rows } = await sql<{ call_id: string; message_id: string; task_id: string; approval_state: string | null }>`SELECT call_id, message_id, task_id, approval_state FROM ${sql.table(PAYMENT_EFFECTS_TABLE)} ORDER BY call_id, message_id, task_id`.execute(db);
  return rows.map((row) => ({ callId: row.call_id, messageId: row.message_id, taskId: row.task_id, approvalState: row.approval_state ?? 'none' }));
}

/** The text a client sends: the call it makes and how long the payment works, in milliseconds. */
export const paymentText = (callId: string, workMs: number): string => `${callId} ${workMs}`;

export function paymentsAgent(db: Kysely<Tables>): AgentDefinition {
  return defineAgent({
    card: { name: 'payments', description: 'Pays once per call; every call waits for a person to approve it at the gateway' },
    registry: { skills: { pay: { pricing: { creditsPerCall: PAYMENT_PRICE / 1000 } } } },
    defaultSkill: 'pay',
    skills: {
      pay: {
        description: 'Pays the call its text names, once per message',
        idempotent: true,
        handler: async (text: string, ctx: SkillContext) => {
          const [callId = '', ms = '0'] = text.split(' ');
          // With the effect, the state its parked call is in as it takes effect (the gateways' table, on the same
          // database): approved and being sent, or approved, never still pending. The final states alone would
          // not show a call run before its approval and approved after.
          await sql`INSERT INTO ${sql.table(PAYMENT_EFFECTS_TABLE)} (call_id, message_id, task_id, approval_state) VALUES (${callId}, ${ctx.message.messageId}, ${ctx.taskId}, (SELECT state FROM gateway_approvals WHERE tenant = ${APPROVALS_TENANT} AND agent = 'payments' AND message_id = ${callId})) ON CONFLICT DO NOTHING`.execute(db);
          await pause(Math.min(Math.max(Number(ms) || 0, 0), 5000), ctx.signal);
          if (ctx.signal.aborted) return undefined;
          return `paid ${callId}`;
        },
      },
    },
  });
}
