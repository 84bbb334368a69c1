import { defineAgent, type AgentDefinition, type SkillContext } from '../../src/runtime/index.js';

/** Resolves after `ms`, or early when `signal` aborts (a cancel, the replica stopping). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * The agent the nemesis workloads drive. Its skill `work` takes a number of milliseconds as its
 * text: it reports progress, works that long in two halves (so a cancel or a fault can land between
 * them), writes an artifact and completes. Idempotent, so a task whose replica died is run again
 * by another one, and every task ends.
 */
export const workerAgent: AgentDefinition = defineAgent({
  card: { name: 'worker', description: 'Works for the number of milliseconds it is sent' },
  defaultSkill: 'work',
  skills: { work: { description: 'Works for the given milliseconds, then answers done', idempotent: true, handler: work } },
});

async function work(text: string, ctx: SkillContext): Promise<string | undefined> {
  const ms = Math.min(Math.max(Number(text) || 0, 0), 10_000);
  ctx.progress('first half');
  await pause(ms / 2, ctx.signal);
  if (ctx.signal.aborted) return undefined;
  ctx.progress('second half');
  await pause(ms / 2, ctx.signal);
  if (ctx.signal.aborted) return undefined;
  ctx.artifact({ name: 'result', parts: [{ text: `worked ${ms} ms` }] });
  return 'done';
}

/** What a call to the billed agent holds and, completed, is charged: milli-credits (it reports no usage, so the estimate is charged). */
export const BILLED_PRICE = 1_000;

/**
 * The worker's twin the credits workload calls through the gateways: the same work, priced in the
 * registry per call, so each call reserves credits before it runs and settles or refunds them by
 * how its task ends. An agent of its own, so the task workload's calls through the gateways stay free.
 */
export const billedAgent: AgentDefinition = defineAgent({
  card: { name: 'billed', description: 'Works for the number of milliseconds it is sent, at a price per call' },
  registry: { skills: { work: { pricing: { creditsPerCall: BILLED_PRICE / 1000 } } } },
  defaultSkill: 'work',
  skills: { work: { description: 'Works for the given milliseconds, then answers done', idempotent: true, handler: work } },
});
