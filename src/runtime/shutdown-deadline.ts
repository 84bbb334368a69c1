import type { Logger } from '../observability/index.js';

/**
 * Waits for one shutdown step until `deadlineAt` (epoch ms), then stops
 * waiting and logs the step as abandoned: a step held by something that never
 * settles (a database connection blocked on a lock, a stuck write chain) must
 * not hold the process past its drain deadline. The step keeps running; the
 * process manager's exit ends it.
 */
export async function untilDeadline(step: string, work: Promise<unknown>, deadlineAt: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, deadlineAt - Date.now()));
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'expired') log.error({ step }, `shutdown step "${step}" did not finish by the drain deadline; abandoned`);
}
