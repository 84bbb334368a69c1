/*
 * One gateway worker: a full gateway replica on the port the primary shares
 * among its workers. Its logs carry `worker: <slot>`; its metrics carry the
 * label `worker="<slot>"` and are collected by the primary (prom-client's
 * cluster protocol) instead of being served on a listener of its own.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { createGateway, type GatewayConfigInput } from '../../gateway/index.js';
import { createLogger, createMetrics } from '../../observability/index.js';
import type { CliContext } from '../io/cli-io.js';
import { listenOrClose } from '../serving/listen-or-close.js';
import { watchStopSignals } from '../serving/stop-signals.js';
import { WORKER_PORT_ENV, WORKER_REUSE_PORT_ENV, WORKER_SLOT_ENV, type WorkerReady } from './messages.js';

/**
 * Runs this process's gateway until SIGTERM/SIGINT (or the primary goes
 * away), drains it and exits: 0 once drained, 1 if closing failed. A
 * gateway that cannot start throws, and the process exits non-zero for the
 * primary to see.
 */
export async function runGatewayWorker(ctx: CliContext, config: GatewayConfigInput): Promise<void> {
  const slot = ctx.io.env[WORKER_SLOT_ENV]!;
  const port = Number(ctx.io.env[WORKER_PORT_ENV]);
  let stop: ((why: string) => void) | undefined;
  let stopping: string | undefined;
  let listening = false;
  const onStop = (why: string) => {
    if (stop) stop(why);
    else stopping ??= why;
  };
  // Watched before anything starts: the primary may stop the fleet while this worker starts. The
  // terminal's Ctrl-C and the primary's SIGTERM come together, and a second Ctrl-C must not cut the
  // drain short either: counted as the primary counts them, a third ends the worker (the primary says so).
  watchStopSignals({ first: onStop, forced: (_signal, code) => process.exit(code) });
  // Node's cluster ends a worker at once (process.exit(0), before this file's listener runs) when its
  // channel to the primary closes unasked. A listening worker is marked as expecting it, and drains as
  // for SIGTERM instead; one still starting has nothing to drain (and could never listen: the primary
  // owns the port), so it is left to end.
  cluster.worker?.once('disconnect', () => {
    if (listening) cluster.worker!.exitedAfterDisconnect = true;
  });
  process.once('disconnect', () => onStop('primary gone'));

  const logger = createLogger({ level: config.logLevel ?? 'info', format: config.logFormat, name: 'agentmesh' }).child({ component: 'gateway', worker: Number(slot) });
  const metrics = createMetrics({});
  metrics.registry.setDefaultLabels({ worker: slot });
  // Constructing one installs prom-client's answer to the primary's metric requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);

  const gateway = await createGateway({ config: { ...config, port }, logger, metrics, metricsListener: false, portHeldByCaller: ctx.io.env[WORKER_REUSE_PORT_ENV] === '1' });
  const { url, probesUrl } = await listenOrClose(gateway);
  listening = true;
  const ready: WorkerReady = { type: 'agentmesh:gateway-worker-ready', url, probesUrl };
  // Sent on a closed channel, it would be an 'error' event nobody handles.
  if (process.connected) process.send?.(ready);
  const why = await new Promise<string>((resolve) => {
    if (stopping !== undefined) resolve(stopping);
    else stop = resolve;
  });
  logger.info({ reason: why }, 'gateway worker draining');
  try {
    await gateway.close();
  } catch (err) {
    logger.error({ err }, 'gateway worker: closing failed');
    process.exit(1);
  }
  // The IPC channel would keep the process alive: drained is done.
  process.exit(0);
}
