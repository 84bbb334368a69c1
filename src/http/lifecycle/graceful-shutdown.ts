import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../observability/index.js';
import { stateOf } from './server-state.js';
import { closeSilentConnections } from './silent-connections.js';
import type { DrainHook, DrainOutcome } from './server-state.js';

/** Default time allowed for in-flight requests to finish: 10 seconds. */
const DEFAULT_DEADLINE_MS = 10_000;
/** Past the deadline, the process exits even if closing is stuck (an onClose hook that hangs). */
const HARD_EXIT_GRACE_MS = 2_000;

/** Options of {@link drain}. */
export interface DrainOptions {
  /** Time allowed for in-flight requests, in ms; then remaining connections are cut. Default 10 s. */
  deadlineMs?: number;
  /** Called first when draining starts, before the hooks registered with {@link onDrain}. */
  onDrainStart?: () => void;
}

/** Options of {@link installGracefulShutdown}. */
export interface GracefulShutdownOptions extends DrainOptions {
  /** Logger for shutdown progress. */
  logger: Logger;
  /** Signals that start a shutdown. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** How to end the process; default `process.exit`. Injected by tests and embedders. */
  exit?: (code: number) => void;
}

/**
 * True once `app` started draining (`/ready` answers 503 `draining`).
 *
 * @example
 * if (isDraining(app)) return; // don't start a new background job
 */
export function isDraining(app: FastifyInstance): boolean {
  return stateOf(app).draining;
}

/**
 * Registers a hook run when `app` starts draining; returns a function that
 * unregisters it. The runtime registers one per open SSE stream, to end it
 * cleanly before the server closes.
 *
 * @example
 * const off = onDrain(app, () => stream.end());
 * stream.once('close', off);
 */
export function onDrain(app: FastifyInstance, hook: DrainHook): () => void {
  return stateOf(app).addDrainHook(hook);
}

async function runHooks(hooks: DrainHook[], onDrainStart: (() => void) | undefined, log: Logger): Promise<void> {
  const all = onDrainStart === undefined ? hooks : [onDrainStart, ...hooks];
  const results = await Promise.allSettled(all.map(async (hook) => hook()));
  for (const r of results) {
    if (r.status === 'rejected') log.warn({ err: r.reason }, 'a drain hook failed');
  }
}

/** How often a drain closes the connections that are still silent while it waits for the others, ms. */
const SILENT_SWEEP_MS = 250;

/**
 * Drains `app` without touching the process: marks it draining (so `/ready`
 * fails and new requests get a fast 503 with `connection: close`), runs the
 * drain hooks, then `app.close()`, which waits for in-flight requests; the
 * connections on which nothing has arrived are closed meanwhile (node:http
 * leaves them open: silent-connections.ts). At the deadline, the connections
 * still open are cut (`server.closeAllConnections()`).
 * Calling it again returns the first drain's promise.
 *
 * @example
 * const { deadlineHit } = await drain(app, { deadlineMs: 5_000 });
 */
export function drain(app: FastifyInstance, options: DrainOptions = {}): Promise<DrainOutcome> {
  const state = stateOf(app);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!Number.isInteger(deadlineMs) || deadlineMs < 0) {
    throw new TypeError(`"deadlineMs" option must be a non-negative integer, got ${JSON.stringify(options.deadlineMs)}`);
  }
  return state.drainOnce(async () => {
    const log = state.log;
    log.info({ deadlineMs }, 'draining');
    let deadlineHit = false;
    let timer: NodeJS.Timeout | undefined;
    let sweep: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        deadlineHit = true;
        log.warn({ deadlineMs }, 'drain deadline reached, closing remaining connections');
        app.server.closeAllConnections();
        resolve();
      }, deadlineMs);
    });
    try {
      // Hooks that never settle must not hold the close past the deadline.
      await Promise.race([runHooks(state.drainHooks(), options.onDrainStart, log), deadline]);
      const closing = app.close();
      // Again while the close waits: one accepted just before the server stopped listening is silent too.
      const silent = closeSilentConnections(app.server);
      sweep = setInterval(() => closeSilentConnections(app.server), SILENT_SWEEP_MS);
      if (silent > 0) log.debug({ connections: silent }, 'closed connections that never carried a request');
      await closing;
    } finally {
      clearTimeout(timer);
      clearInterval(sweep);
    }
    log.info({ deadlineHit }, 'drained');
    return { deadlineHit };
  });
}

/**
 * Drains `app` on SIGTERM/SIGINT and exits: code 0 when everything finished
 * in time, 1 when the deadline was hit, closing failed, or a second signal
 * arrived (an impatient operator). Returns a function that removes the
 * signal listeners.
 *
 * @example
 * const uninstall = installGracefulShutdown(app, { logger, deadlineMs: 10_000 });
 * await app.listen({ port: 8080, host: '0.0.0.0' });
 */
export function installGracefulShutdown(app: FastifyInstance, options: GracefulShutdownOptions): () => void {
  const { logger, signals = ['SIGTERM', 'SIGINT'], exit = (code: number) => process.exit(code) } = options;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const log = logger.child({ module: 'http' });
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      log.warn({ signal }, 'second signal during shutdown, exiting now');
      exit(1);
      return;
    }
    started = true;
    log.info({ signal }, 'shutdown requested');
    const hard = setTimeout(() => {
      log.error({ deadlineMs }, 'shutdown did not finish after the deadline, exiting');
      exit(1);
    }, deadlineMs + HARD_EXIT_GRACE_MS);
    hard.unref();
    const drainOptions: DrainOptions = { deadlineMs };
    if (options.onDrainStart !== undefined) drainOptions.onDrainStart = options.onDrainStart;
    drain(app, drainOptions).then(
      ({ deadlineHit }) => {
        clearTimeout(hard);
        exit(deadlineHit ? 1 : 0);
      },
      (err: unknown) => {
        clearTimeout(hard);
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

/**
 * Closes a role's server at shutdown: drains it (see {@link drain}) when it is
 * listening, else only closes it (it was built but never listened, or its
 * listen failed) — a server that never served has nothing to drain.
 */
export async function closeHttpServer(app: FastifyInstance, deadlineMs: number): Promise<void> {
  if (app.server.listening) await drain(app, { deadlineMs });
  else await app.close();
}
