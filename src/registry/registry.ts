import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { buildHttpServer, createSsrfGuard, databaseOptionsOf, decodeContentEncoding, drain, type SsrfGuard } from '../http/index.js';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics } from '../observability/index.js';
import { createBus, createDatabase, type Bus, type Database } from '../storage/index.js';
import { AgentDirectory } from './agent-directory.js';
import { ChangeFeed } from './change-feed.js';
import { parseRegistryConfig, type RegistryConfig, type RegistryConfigInput } from './config.js';
import { Prober } from './health/prober.js';
import { createCardIntake } from './intake/index.js';
import type { RegistryChange } from './record.js';
import { RegistryService } from './registry-service.js';
import { discoveryRoutes } from './routes/discovery-routes.js';
import { managementRoutes } from './routes/management-routes.js';
import { watchRoute } from './routes/watch-route.js';
import { staticTokenAuthenticate, type RegistryAuthenticate } from './routes/write-auth.js';
import { SearchIndex } from './search/index.js';
import { RegistryStore } from './store/registry-store.js';

const VERSION = '0.1.0';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  config?: RegistryConfigInput;
  logger?: Logger;
  metrics?: Metrics;
  /** Resolves callers (the gateway's token check); writes then need `registry:write`. Default: the config's write token, else open writes. */
  authenticate?: RegistryAuthenticate;
  /** Use this database instead of opening one from the config (not closed by the registry). */
  database?: Database;
  /** Use this bus instead of creating one from the config (not closed by the registry). */
  bus?: Bus;
}

/** A running (or ready to run) registry. */
export interface Registry {
  readonly app: FastifyInstance;
  readonly service: RegistryService;
  readonly index: SearchIndex;
  readonly config: Readonly<RegistryConfig>;
  /** Starts listening, probing and following the change log. */
  listen(): Promise<{ url: string }>;
  /** One health round now (sweep leases, probe what is due). */
  probeNow(): Promise<void>;
  /** Reads the change log now; resolves when this replica has applied what was committed before. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the registry role: agent records, instances under leases with
 * active probes, versioned configs, the watch stream, and ARD discovery over
 * an in-memory index that every replica keeps in step with the change log.
 *
 * @example
 * const registry = await createRegistry({ config: { port: 4100 } });
 * const { url } = await registry.listen();
 */
export async function createRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const config = parseRegistryConfig(options.config ?? {});
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'agentmesh' });
  const log = logger.child({ component: 'registry' });
  const metrics = options.metrics ?? createMetrics({});
  const database = options.database ?? (await createDatabase(databaseOptionsOf(config)));
  const bus = options.bus ?? (await createBus({ url: config.redisUrl, onError: (err) => log.warn({ err }, 'bus read failed; retrying') }));
  const tracing = createTracing({ serviceName: 'agentmesh-registry', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}) });
  const guard: SsrfGuard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing });
  const authenticate = options.authenticate ?? (config.writeToken ? staticTokenAuthenticate(config.writeToken) : undefined);

  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const store = new RegistryStore(database);
  const index = new SearchIndex({ baseUrl: publicUrl });
  const directory = new AgentDirectory(index);
  const feed = new ChangeFeed({ store, bus, pollMs: config.feedPollMs, logger: log });
  feed.subscribe((change) => directory.apply(change));
  const intake = createCardIntake({ ssrfGuard: guard, requireSignature: config.requireSignedCards });
  const service = new RegistryService({ store, directory, feed, intake, guard, publisher: config.publisher, defaultLeaseTtlMs: config.defaultLeaseTtlMs, maxLeaseTtlMs: config.maxLeaseTtlMs });

  const agentsGauge = metrics.gauge('agentmesh_registry_agents', 'Agents registered, by health', ['health']);
  const probes = metrics.counter('agentmesh_registry_probes_total', 'Health probes, by outcome', ['outcome']);
  const probeSeconds = metrics.histogram('agentmesh_registry_probe_duration_seconds', 'Health probe latency', [], [0.005, 0.02, 0.05, 0.1, 0.5, 1, 3]);
  const onChanges = (changes: RegistryChange[]) => {
    for (const change of changes) directory.apply(change);
    feed.announce();
  };
  const prober = new Prober({
    store,
    guard,
    logger: log,
    intervalMs: config.probeIntervalMs,
    maxBackoffMs: config.probeMaxBackoffMs,
    timeoutMs: config.probeTimeoutMs,
    historySize: config.probeHistory,
    forgetAfterMs: config.forgetInstanceAfterMs,
    cardUrlOf: (agent) => directory.get(agent)?.cardUrl,
    onChanges,
    onProbe: (_agent, ok, seconds) => {
      probes.labels({ outcome: ok ? 'up' : 'down' }).inc();
      probeSeconds.observe(seconds);
    },
  });

  const app = buildHttpServer({
    name: 'registry',
    version: VERSION,
    logger,
    metrics,
    tracing,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    // As in the runtime and the gateway: an active AsyncLocalStorage puts a hook on every
    // promise of the process, and `agentmesh up` runs every role in one process (measured:
    // the gateway beside an ALS-enabled registry used 410-540 µs of CPU per call, beside one without 354 µs).
    // Request lines carry reqId through request.log; the registry's own lines are background work.
    asyncContext: false,
    readiness: [
      { name: 'storage', check: () => database.ping() },
      { name: 'bus', check: () => bus.ping() },
    ],
  });
  // gzip/deflate/br bodies decoded within the body limit, other codings 415: as the runtime and the gateway (RFC 9110 §8.4).
  app.addHook('preParsing', decodeContentEncoding);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="agentmesh-registry", scope="registry:write"');
    return payload;
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'agentmesh registry', version: VERSION, description: 'Agent records, instances and health, versioned configs, watch, and ARD discovery.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token with the registry:write scope (writes only)' } } },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(managementRoutes, { service, directory, authenticate });
  await app.register(discoveryRoutes, { index, publicUrl: () => publicUrl, publisher: config.publisher, authenticate });
  await app.register(watchRoute, { store, feed, heartbeatMs: config.sseHeartbeatMs });

  // The directory and index start from the table, then follow the log from where the table was read.
  const { newest } = await store.changeBounds();
  directory.load(await store.allAgents(), newest);
  feed.start(newest);

  const timers: NodeJS.Timeout[] = [];
  let listening = false;
  let closed = false;
  return {
    app,
    service,
    index,
    config,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      listening = true;
      const port = (app.server.address() as AddressInfo).port;
      if (!config.publicUrl) publicUrl = `http://localhost:${port}`;
      index.setBaseUrl?.(publicUrl);
      prober.start();
      const gauge = setInterval(() => {
        for (const [health, n] of Object.entries(directory.countByHealth())) agentsGauge.labels({ health }).set(n);
      }, 15_000);
      gauge.unref();
      timers.push(gauge);
      const prune = setInterval(() => {
        store.pruneChanges(Date.now() - config.changeRetentionMs).catch((err) => log.warn({ err }, 'change-log pruning failed'));
      }, 3_600_000);
      prune.unref();
      timers.push(prune);
      log.info({ url: publicUrl, agents: directory.size, database: database.dialect, bus: bus.kind }, 'registry listening');
      return { url: publicUrl };
    },
    probeNow: () => prober.runOnce(),
    sync: () => feed.nudge(),
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      await prober.close();
      await feed.close();
      if (listening) await drain(app, { deadlineMs: config.shutdownDeadlineMs });
      else await app.close();
      await guard.close();
      await tracing.shutdown();
      if (!options.bus) await bus.close();
      if (!options.database) await database.close();
    },
  };
}
