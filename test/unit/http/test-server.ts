import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../../src/http/server/build-http-server.js';
import { drain, onDrain } from '../../../src/http/lifecycle/graceful-shutdown.js';
import type { HttpServerOptions } from '../../../src/http/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { Metrics } from '../../../src/observability/index.js';
import { memoryDestination } from '../../helpers/memory-log.js';

/** A server built the way roles build it, with its log lines kept in memory. */
export interface TestServer {
  app: FastifyInstance;
  metrics: Metrics;
  /** Parsed log lines written so far. */
  logs: () => Array<Record<string, unknown>>;
}

/** Builds a server for a test; the caller closes it (`t.after(() => app.close())`). */
export function testServer(overrides: Partial<HttpServerOptions> = {}): TestServer {
  const { stream: destination, records } = memoryDestination();
  const logger = createLogger({ level: 'info', destination });
  const metrics = createMetrics({ defaultMetrics: false });
  const app = buildHttpServer({ name: 'test-role', version: '1.2.3', logger, metrics, readiness: [], ...overrides });
  return { app, metrics, logs: records };
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Starts draining `app` (5 s deadline) and holds the drain in its first phase (draining, still
 * listening) with a drain hook, so the test can probe; resolves once the hook runs. `release()` lets
 * the drain go on; `drained` is its outcome.
 */
export async function holdDrain(app: FastifyInstance): Promise<{ release: () => void; drained: ReturnType<typeof drain> }> {
  const hookStarted = gate();
  const hookRelease = gate();
  onDrain(app, async () => {
    hookStarted.open();
    await hookRelease.promise;
  });
  const drained = drain(app, { deadlineMs: 5_000 });
  await hookStarted.promise;
  return { release: () => hookRelease.open(), drained };
}
