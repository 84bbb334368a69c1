/*
 * The cluster primary of `serve gateway --workers n`: it serves no call
 * itself. It makes the data dir's secrets, resolves the port, serves the
 * workers' metrics, forks n workers sharing the port, replaces a worker that
 * dies, and drains them all on SIGTERM/SIGINT.
 */
import cluster, { type Worker } from 'node:cluster';
import { DEFAULT_GATEWAY_METRICS_PORT, parseGatewayConfig, type GatewayConfigInput } from '../../gateway/index.js';
import { localUrlOf, metricsPortOf, reservePort } from '../../http/index.js';
import { createLogger } from '../../observability/index.js';
import type { CliContext } from '../io/cli-io.js';
import { aggregatedMetricsListener } from './aggregated-metrics.js';
import { isWorkerReady, WORKER_PORT_ENV, WORKER_REUSE_PORT_ENV, WORKER_SLOT_ENV } from './messages.js';
import { ensureSharedSecrets } from './shared-secrets.js';
import { RestartPolicy } from './restart-policy.js';
import { watchStopRequests } from '../serving/until-signal.js';

/**
 * Runs the primary until the fleet is stopped. Resolves once every worker
 * has drained after SIGTERM/SIGINT; rejects (the CLI exits non-zero) when a
 * worker fails before the fleet was first ready, when workers keep failing
 * at start-up, or when a worker did not drain cleanly.
 */
export async function runGatewayPrimary(ctx: CliContext, input: GatewayConfigInput, workers: number): Promise<void> {
  // Watched before anything starts: a signal during start-up stops the fleet as soon as there is one.
  const signals: { received?: string; fleet?: Fleet } = {};
  const handle = (signal: string) => {
    if (signals.fleet) signals.fleet.stop(signal);
    else signals.received ??= signal;
  };
  // Kept for the whole drain: one Ctrl-C under npm arrives twice, and a second signal with no listener
  // would end the primary before its workers drained.
  const watch = watchStopRequests(ctx, handle);

  const config = parseGatewayConfig(input);
  const log = createLogger({ level: config.logLevel, format: config.logFormat, name: 'agentmesh' }).child({ component: 'gateway', worker: 'primary' });
  for (const file of await ensureSharedSecrets(config)) log.warn({ file }, 'generated a gateway secret or key for the workers to share; replicas on other hosts need the same one');
  // A port picked here is held until every worker listens: another process's port-0 listener could take it meanwhile.
  const reservation = config.port === 0 ? await reservePort(config.host) : undefined;
  const port = reservation?.port ?? config.port;
  const publicUrl = config.publicUrl ?? localUrlOf(config, port);
  const metrics = aggregatedMetricsListener({ host: config.metricsHost, port: metricsPortOf(config, DEFAULT_GATEWAY_METRICS_PORT), logger: log });
  const { url: metricsUrl } = await metrics.listen();

  const fleet = new Fleet(ctx, workers, { port, reusePort: reservation?.shared === true }, log.child({ module: 'cluster' }));
  signals.fleet = fleet;
  if (signals.received !== undefined) fleet.stop(signals.received);
  else fleet.start();
  try {
    await fleet.ready.finally(() => reservation?.release());
    ctx.io.stdout.write(`agentmesh gateway listening on ${publicUrl} (${workers} workers, pids ${fleet.pids().join(' ')})\n`);
    ctx.io.stdout.write(`  agents ${publicUrl}/agents/{name}  token POST ${publicUrl}/oauth/token  jwks ${publicUrl}/.well-known/jwks.json\n`);
    ctx.io.stdout.write(`  metrics ${metricsUrl}  (every worker's, labelled worker="1"…; not on the public port: they name tenants)\n`);
    if (fleet.probesUrl !== undefined) ctx.io.stdout.write(`  probes ${fleet.probesUrl}/health ${fleet.probesUrl}/ready  (plain HTTP, PROBE_PORT; each probe reaches one worker)\n`);
    if (!config.adminToken) ctx.io.stderr.write('warning: GATEWAY_ADMIN_TOKEN is not set: the management API is reachable only with a gateway:admin token\n');
  } catch {
    // Reported by `fleet.stopped` below, once every worker is gone.
  }
  try {
    await fleet.stopped;
  } finally {
    watch.finished();
    await reservation?.release();
    await metrics.close();
  }
}

/** The port every worker listens on, and whether beside the primary's reservation of it. */
interface WorkerPort {
  port: number;
  reusePort: boolean;
}

/** One slot of the fleet: the worker filling it now, and whether it listens. */
interface Slot {
  worker?: Worker;
  listening: boolean;
  restart?: NodeJS.Timeout;
}

/** The workers: forks, readiness, replacement, drain. */
class Fleet {
  readonly #ctx: CliContext;
  readonly #port: WorkerPort;
  readonly #log: ReturnType<typeof createLogger>;
  readonly #slots: Slot[];
  readonly #policy = new RestartPolicy();
  #stopping = false;
  #failure: Error | undefined;
  #everReady = false;
  /** The probe listener's URL, from the first worker that listened (undefined without PROBE_PORT). */
  probesUrl: string | undefined;
  #markReady!: () => void;
  #failReady!: (err: Error) => void;
  #markStopped!: () => void;
  #failStopped!: (err: Error) => void;
  /** Resolves when every worker first listens; rejects if the fleet stops before. */
  readonly ready = new Promise<void>((resolve, reject) => {
    this.#markReady = resolve;
    this.#failReady = reject;
  });
  /** Resolves once every worker has exited after a clean stop; rejects with why the fleet failed. */
  readonly stopped = new Promise<void>((resolve, reject) => {
    this.#markStopped = resolve;
    this.#failStopped = reject;
  });

  constructor(ctx: CliContext, workers: number, port: WorkerPort, log: ReturnType<typeof createLogger>) {
    this.#ctx = ctx;
    this.#port = port;
    this.#log = log;
    this.#slots = Array.from({ length: workers }, () => ({ listening: false }));
    this.ready.catch(() => undefined);
  }

  start(): void {
    this.#slots.forEach((_, i) => this.#fork(i));
  }

  pids(): number[] {
    return this.#slots.map((s) => s.worker?.process.pid ?? 0);
  }

  /** Drains every worker (SIGTERM to each: a gateway drains on close); `failure` makes the fleet's end an error. */
  stop(why: string, failure?: Error): void {
    if (failure !== undefined) this.#failure ??= failure;
    if (this.#stopping) return;
    this.#stopping = true;
    const running = this.#slots.filter((s) => s.worker !== undefined).length;
    this.#ctx.io.stderr.write(running === 0 ? `${why}: no gateway worker is running\n` : `${why}: draining ${running} gateway worker${running === 1 ? '' : 's'}…\n`);
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      slot.restart = undefined;
      const pid = slot.worker?.process.pid;
      if (pid !== undefined && slot.worker!.process.exitCode === null && slot.worker!.process.signalCode === null) slot.worker!.process.kill('SIGTERM');
    }
    this.#failReady(this.#failure ?? new Error(`${why} before the workers listened`));
    this.#settleIfDone();
  }

  #fork(index: number): void {
    const slot = this.#slots[index]!;
    slot.restart = undefined;
    slot.listening = false;
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(index + 1), [WORKER_PORT_ENV]: String(this.#port.port), ...(this.#port.reusePort && { [WORKER_REUSE_PORT_ENV]: '1' }) });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (!isWorkerReady(message) || slot.worker !== worker) return;
      slot.listening = true;
      this.probesUrl ??= message.probesUrl;
      this.#policy.listened(index);
      this.#log.info({ slot: index + 1, pid: worker.process.pid }, 'gateway worker listening');
      if (this.#everReady) this.#ctx.io.stdout.write(`gateway worker ${index + 1} listening again (pid ${worker.process.pid})\n`);
      else if (this.#slots.every((s) => s.listening)) {
        this.#everReady = true;
        this.#markReady();
      }
    });
    // A fork that fails to spawn emits 'error' and then 'exit'; the exit is what counts.
    worker.on('error', (err) => this.#log.warn({ err, slot: index + 1 }, 'gateway worker error'));
    worker.once('exit', (code, signal) => this.#exited(index, worker, code, signal));
  }

  #exited(index: number, worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.#slots[index]!;
    if (slot.worker !== worker) return;
    const wasListening = slot.listening;
    slot.worker = undefined;
    slot.listening = false;
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    if (this.#stopping) {
      // Killed by the stop signal itself (SIGTERM from us, or a terminal's Ctrl-C, which reaches the whole
      // process group): it had not started watching signals yet, so it had nothing to drain.
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') this.#failure ??= new Error(`gateway worker ${index + 1} (pid ${worker.process.pid}) did not drain cleanly: it exited with ${how}`);
      this.#settleIfDone();
      return;
    }
    if (!this.#everReady) {
      this.stop(`gateway worker ${index + 1} exited with ${how} before it listened`, new Error(`gateway worker ${index + 1} (pid ${worker.process.pid}) exited with ${how} before the gateway was ready; its error is above`));
      return;
    }
    const delay = this.#policy.exited(index, wasListening);
    if (delay === undefined) {
      this.stop(`gateway worker ${index + 1} keeps failing at start-up`, new Error(`gateway worker ${index + 1} failed ${RestartPolicy.MAX_START_FAILURES} times in a row before it listened (last: ${how}); giving up`));
      return;
    }
    this.#ctx.io.stderr.write(`gateway worker ${index + 1} (pid ${worker.process.pid}) exited with ${how}; restarting it in ${delay} ms\n`);
    this.#log.warn({ slot: index + 1, pid: worker.process.pid, code, signal, delayMs: delay }, 'gateway worker exited; restarting it');
    slot.restart = setTimeout(() => this.#fork(index), delay);
  }

  #settleIfDone(): void {
    if (this.#slots.some((s) => s.worker !== undefined)) return;
    if (this.#failure !== undefined) this.#failStopped(this.#failure);
    else this.#markStopped();
  }
}

