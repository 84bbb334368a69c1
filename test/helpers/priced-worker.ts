import { defineAgent, type AgentDefinition } from '../../src/runtime/index.js';
import type { GatewayMesh } from './gateway-mesh.js';

/** What the priced worker holds and charges per task, milli-credits (its skill reports no usage: the estimate is charged). */
export const PRICE = 2_000;
/** What a greeting (a message answer, no task) costs, milli-credits. */
export const GREETING = 1_000;

/**
 * An agent `worker` for the gateway's credit tests: skill `work` (the
 * default) answers with a task, `greet` with a message; both priced, both
 * counting their runs per text in `runs`. A text starting with `hold` holds
 * its first run until its task is canceled.
 */
export function pricedWorker(): { worker: AgentDefinition; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  const worker = defineAgent({
    card: { name: 'worker', description: 'Does one priced piece of work per task' },
    registry: { skills: { work: { pricing: { creditsPerCall: PRICE / 1000 } }, greet: { pricing: { creditsPerCall: GREETING / 1000 } } } },
    defaultSkill: 'work',
    skills: {
      greet: {
        description: 'Greets with a message, no task',
        messageReplies: true,
        handler: async (text: string, ctx) => {
          runs.set(text, (runs.get(text) ?? 0) + 1);
          return ctx.reply(`Hello, ${text}`);
        },
      },
      work: {
        description: 'Echoes its text',
        handler: async (text: string, ctx) => {
          const n = (runs.get(text) ?? 0) + 1;
          runs.set(text, n);
          if (text.startsWith('hold') && n === 1) {
            await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
          }
          return `done ${text}`;
        },
      },
    },
  });
  return { worker, runs };
}

/** What `tenant`'s settled calls were charged so far, and how many, once every settlement is written. */
export async function chargedTo(mesh: GatewayMesh, tenant: string): Promise<{ milliCredits: number; calls: number }> {
  await mesh.gw.gateway.credits.flush();
  const [row] = await mesh.gw.gateway.ledger.usage({ tenant, groupBy: [] });
  return { milliCredits: row?.milliCredits ?? 0, calls: row?.calls ?? 0 };
}
