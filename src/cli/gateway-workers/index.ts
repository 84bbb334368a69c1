/*
 * `serve gateway --workers n` (n > 1): one cluster primary and n gateway
 * workers sharing the public port (ADR 0021).
 */
import cluster from 'node:cluster';
import type { GatewayConfigInput } from '../../gateway/index.js';
import type { CliContext } from '../io/cli-io.js';
import { WORKER_SLOT_ENV } from './messages.js';

export { gatewayWorkers, requireFleetBackends } from './workers-count.js';

/** Whether this process is a gateway worker its primary forked. */
export function isGatewayWorker(env: Record<string, string | undefined>): boolean {
  return cluster.isWorker && env[WORKER_SLOT_ENV] !== undefined;
}

/** Runs this process's part: the primary, or the worker it forked. */
export async function serveGatewayWorkers(ctx: CliContext, config: GatewayConfigInput, workers: number): Promise<void> {
  if (isGatewayWorker(ctx.io.env)) {
    const { runGatewayWorker } = await import('./worker.js');
    await runGatewayWorker(ctx, config);
    return;
  }
  const { runGatewayPrimary } = await import('./primary.js');
  await runGatewayPrimary(ctx, config, workers);
}
