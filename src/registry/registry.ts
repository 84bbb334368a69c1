import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/index.js';
import { listenUnannounced, localUrlOf, observeDatabase, openWithStack, probeListenerOf } from '../http/index.js';
import { createLogger, createMetrics, type Logger, type Metrics } from '../observability/index.js';
import type { Bus, Database } from '../storage/index.js';
import { parseRegistryConfig, type RegistryConfig, type RegistryConfigInput } from './config.js';
import { buildDomain, buildRegistryHttp, followChangeLog, mountRoutes, openBackends, startBackground, type PublicUrl, type RegistryBuild } from './registry-builders.js';
import type { RegistryService } from './registry-service.js';
import { staticTokenAuthenticate, type RegistryAuthenticate } from './routes/write-auth.js';
import type { SearchIndex } from './search/index.js';

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
  /** The audit trail held changes and review decisions are recorded in. */
  readonly audit: AuditLog;
  /** Starts listening, probing and following the change log; `probesUrl` is the probe listener's, when `probePort` is set. */
  listen(): Promise<{ url: string; probesUrl?: string }>;
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
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, name: 'agentmesh' });
  const log = logger.child({ component: 'registry' });
  const metrics = options.metrics ?? createMetrics({});
  const authenticate = options.authenticate ?? (config.writeToken ? staticTokenAuthenticate({ write: config.writeToken, review: config.reviewToken }) : undefined);
  // Closed last-first: background work, change feed, HTTP drain, guard, tracing, bus, database.
  return openWithStack(async (stack) => {
    const build: RegistryBuild = { config, log, metrics, stack };
    const backends = await openBackends({ ...build, given: options });
    observeDatabase(metrics, backends.database);
    const publicUrl: PublicUrl = { current: config.publicUrl ?? localUrlOf(config, config.port) };
    const app = buildRegistryHttp({ ...build, logger, backends });
    const probes = probeListenerOf(app, config, log);
    const domain = buildDomain({ ...build, backends, publicUrl });
    await mountRoutes({ app, domain, config, publicUrl, authenticate });
    await followChangeLog(domain, stack);
    return {
      app,
      service: domain.service,
      index: domain.index,
      config,
      audit: backends.audit,
      async listen() {
        // Its own `registry listening` line below says where, once: not Fastify's as well.
        await listenUnannounced(app, { port: config.port, host: config.host });
        const probesUrl = (await probes?.listen())?.url;
        const bound = app.server.address();
        if (!config.publicUrl && typeof bound === 'object' && bound !== null) publicUrl.current = localUrlOf(config, bound.port);
        domain.index.setBaseUrl?.(publicUrl.current);
        startBackground({ ...build, domain });
        log.info({ url: publicUrl.current, agents: domain.directory.size, database: backends.database.dialect, bus: backends.bus.kind }, 'registry listening');
        return { url: publicUrl.current, ...(probesUrl !== undefined && { probesUrl }) };
      },
      probeNow: () => domain.prober.runOnce(),
      sync: () => domain.feed.nudge(),
      close: () => stack.closeAll(),
    };
  }, (err) => log.warn({ err }, 'closing what a failed start opened failed'));
}
