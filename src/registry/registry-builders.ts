import { Resolver } from 'node:dns/promises';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { createAuditLog, type AuditLog } from '../audit/index.js';
import { AddressVerdicts, buildHttpServer, closeHttpServer, MAX_PATH_PARAM_LENGTH, createSsrfGuard, databaseOptionsOf, decodeContentEncoding, openClientTls, storageReadiness, type DisposerStack, type SsrfGuard } from '../http/index.js';
import { createTracing, type Logger, type Metrics, type Tracing } from '../observability/index.js';
import { openDatabaseAndBus, type Bus, type Database } from '../storage/index.js';
import { AgentDirectory } from './agent-directory.js';
import { ChangeFeed } from './change-feed.js';
import type { RegistryConfig } from './config.js';
import { Prober } from './health/prober.js';
import { createCardIntake, createKeySetCache } from './intake/index.js';
import type { RegistryChange } from '../contracts/registry/index.js';
import { OwnershipChecker } from './ownership/ownership-checker.js';
import { primaryUrl } from './registration-parts.js';
import { RegistryService } from './registry-service.js';
import { ReviewDesk } from './review/review-desk.js';
import { governanceRoutes } from './routes/governance-routes.js';
import { discoveryRoutes } from './routes/discovery-routes.js';
import { managementRoutes } from './routes/management-routes.js';
import { watchRoute } from './routes/watch-route.js';
import type { RegistryAuthenticate } from './routes/write-auth.js';
import { SearchIndex } from './search/index.js';
import { RegistryStore } from './store/registry-store.js';

export const VERSION = '0.1.0';

/** What the registry reaches out to: its database, bus, tracing and outbound guard. */
export interface RegistryBackends {
  database: Database;
  bus: Bus;
  tracing: Tracing;
  guard: SsrfGuard;
  /** The audit trail review holds and decisions are recorded in (the mesh's one chain, in the same database). */
  audit: AuditLog;
}

/** The registry's domain: records in the store, mirrored by every replica's directory and index. */
export interface RegistryDomain {
  store: RegistryStore;
  index: SearchIndex;
  directory: AgentDirectory;
  feed: ChangeFeed;
  service: RegistryService;
  prober: Prober;
  /** Held card changes and their decisions. */
  desk: ReviewDesk;
  /** Ownership claims' checks. */
  checker: OwnershipChecker;
  /** Agents registered, by health: set by the background work. */
  agentsGauge: ReturnType<Metrics['gauge']>;
}

/** The public URL: the config's, else localhost on the port bound at listen(). */
export interface PublicUrl {
  current: string;
}

/**
 * What every builder of a registry is given: its parsed config, the
 * registry's logger (`component: registry`), metrics, and the stack that
 * closes what the builder opens (last-first).
 */
export interface RegistryBuild {
  config: Readonly<RegistryConfig>;
  log: Logger;
  metrics: Metrics;
  stack: DisposerStack;
}

/** Options of {@link openBackends}: the database and bus a caller owns are used, not opened. */
export interface OpenBackendsOptions extends Pick<RegistryBuild, 'config' | 'log' | 'stack' | 'metrics'> {
  given: { database?: Database; bus?: Bus };
}

/** Opens the database and bus (unless given: those stay their owner's) and the tracing and guard. */
export async function openBackends({ config, given, log, stack, metrics }: OpenBackendsOptions): Promise<RegistryBackends> {
  const { database, bus } = await openDatabaseAndBus({ database: databaseOptionsOf(config), redisUrl: config.redisUrl, given, log, stack });
  const tracing = createTracing({ serviceName: 'agentmesh-registry', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}), semconvStabilityOptIn: config.semconvStabilityOptIn });
  stack.defer('tracing', () => tracing.shutdown());
  // Health probes and card fetches present the client certificate to agents that require mutual TLS;
  // the public roots stay trusted beside the mesh's CA, for cards on the internet.
  const clientTls = openClientTls(config.clientTls, { logger: log, withSystemRoots: true });
  if (clientTls) stack.defer('client tls', () => clientTls.close());
  const guard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing, tls: clientTls });
  stack.defer('ssrf guard', () => guard.close());
  // Nothing is written until a review is held or decided; closing writes what is queued.
  const audit = createAuditLog({ database, logger: log, metrics });
  stack.defer('audit', () => audit.close());
  return { database, bus, tracing, guard, audit };
}

/** Options of {@link buildRegistryHttp}. */
export interface RegistryHttpOptions extends Pick<RegistryBuild, 'config' | 'metrics' | 'stack'> {
  /** The logger requests log to: the root one, not the registry's child. */
  logger: Logger;
  backends: RegistryBackends;
}

/** The HTTP server, routes not yet mounted; drained at close once the change feed and the prober stopped. */
export function buildRegistryHttp({ config, logger, metrics, backends, stack }: RegistryHttpOptions): FastifyInstance {
  const app = buildHttpServer({
    name: 'registry',
    version: VERSION,
    logger,
    metrics,
    tracing: backends.tracing,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    // Names and ids in paths are checked by the routes' schemas (400 naming the field), not turned into 404 by the router.
    maxParamLength: MAX_PATH_PARAM_LENGTH,
    // As in the runtime and the gateway: an active AsyncLocalStorage puts a hook on every
    // promise of the process, and `agentmesh up` runs every role in one process (measured:
    // the gateway beside an ALS-enabled registry used 410-540 µs of CPU per call, beside one without 354 µs).
    // Request lines carry reqId through request.log; the registry's own lines are background work.
    asyncContext: false,
    tls: config.tls,
    readiness: storageReadiness(backends),
  });
  // Every registry route takes JSON: a text/plain body would reach the route's schema as a string and be
  // refused as "body must be object"; without its parser it is a 415 that names the media type.
  app.removeContentTypeParser('text/plain');
  stack.defer('http server', () => closeHttpServer(app, config.shutdownDeadlineMs));
  return app;
}

/** Options of {@link buildDomain}. */
export interface DomainOptions extends Pick<RegistryBuild, 'config' | 'metrics' | 'log' | 'stack'> {
  backends: RegistryBackends;
  publicUrl: PublicUrl;
}

/** The store, the directory and index it feeds, the change feed, intake, service and prober. */
export function buildDomain({ config, backends, publicUrl, metrics, log, stack }: DomainOptions): RegistryDomain {
  const { database, bus, guard, audit } = backends;
  const store = new RegistryStore(database);
  const index = new SearchIndex({ baseUrl: publicUrl.current });
  const directory = new AgentDirectory(index);
  const feed = new ChangeFeed({ store, bus, pollMs: config.feedPollMs, logger: log });
  feed.subscribe((change) => directory.apply(change));
  const intake = createCardIntake({ ssrfGuard: guard, requireSignature: config.requireSignedCards });
  const verdicts = new AddressVerdicts(guard);
  // Its own cache of key sets: an owner's keys are fetched from the owner's domain, not from where a signature's jku points.
  const keySets = createKeySetCache({ guard, timeoutMs: config.ownership.fetchTimeoutMs });
  const applied: { to?: (changes: RegistryChange[]) => void } = {};
  const checker = new OwnershipChecker({
    store,
    verifier: { resolver: dnsResolver(config.ownership), guard, keySets, fetchTimeoutMs: config.ownership.fetchTimeoutMs },
    schedule: config.ownership,
    logger: log.child({ module: 'ownership' }),
    onChanges: (changes) => applied.to?.(changes),
  });
  // Before the stack's database and HTTP server: a check under way finishes (or fails) while they are open.
  stack.defer('ownership checks', () => checker.close());
  const service = new RegistryService({
    store,
    directory,
    feed,
    intake,
    verdicts,
    publisher: config.publisher,
    defaultLeaseTtlMs: config.defaultLeaseTtlMs,
    maxLeaseTtlMs: config.maxLeaseTtlMs,
    review: config.review,
    ownership: checker,
    audit,
    logger: log,
  });
  applied.to = (changes) => service.applyChanges(changes);
  const desk = new ReviewDesk({
    store,
    applyChanges: (changes) => service.applyChanges(changes),
    staticInstance: (url) => service.staticInstance(url),
    endpointOf: primaryUrl,
    audit,
    logger: log.child({ module: 'review' }),
  });
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
    recordOf: (agent) => directory.get(agent),
    onChanges,
    onProbe: (_agent, ok, seconds) => {
      probes.labels({ outcome: ok ? 'up' : 'down' }).inc();
      probeSeconds.observe(seconds);
    },
  });
  return { store, index, directory, feed, service, prober, agentsGauge, desk, checker };
}

/** The resolver of the ownership TXT lookups: the configured servers, else the system's. */
function dnsResolver(settings: Readonly<RegistryConfig['ownership']>): Resolver {
  // Two tries of dnsTimeoutMs each: one lost UDP datagram is not a verdict.
  const resolver = new Resolver({ timeout: settings.dnsTimeoutMs, tries: 2 });
  if (settings.dnsServers.length > 0) resolver.setServers(settings.dnsServers);
  return resolver;
}

/** Options of {@link mountRoutes}. */
export interface MountRoutesOptions extends Pick<RegistryBuild, 'config'> {
  app: FastifyInstance;
  domain: RegistryDomain;
  publicUrl: PublicUrl;
  /** Who may write; none: writes are open (development). */
  authenticate: RegistryAuthenticate | undefined;
}

/** Content decoding, the 401 challenge, the OpenAPI document, and the management, discovery and watch routes. */
export async function mountRoutes({ app, domain, config, publicUrl, authenticate }: MountRoutesOptions): Promise<void> {
  const { service, directory, index, store, feed, desk, checker } = domain;
  // gzip/deflate/br bodies decoded within the body limit, other codings 415: as the runtime and the gateway (RFC 9110 §8.4).
  app.addHook('preParsing', decodeContentEncoding);
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401) reply.header('www-authenticate', `Bearer realm="agentmesh-registry", scope="${/^\/v1\/reviews\//.test(request.url) ? 'registry:review' : 'registry:write'}"`);
    return payload;
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'agentmesh registry', version: VERSION, description: 'Agent records, instances and health, versioned configs, watch, and ARD discovery.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token with the registry:write scope (writes), or registry:review (review decisions)' } } },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(managementRoutes, { service, directory, authenticate });
  await app.register(discoveryRoutes, { index, publicUrl: () => publicUrl.current, publisher: config.publisher, authenticate });
  await app.register(watchRoute, { store, feed, heartbeatMs: config.sseHeartbeatMs });
  await app.register(governanceRoutes, { service, directory, desk, checker, authenticate });
}

/** The directory and index start from the table, then follow the log from where the table was read. */
export async function followChangeLog(domain: RegistryDomain, stack: DisposerStack): Promise<void> {
  const { newest } = await domain.store.changeBounds();
  domain.directory.load(await domain.store.allAgents(), newest);
  domain.feed.start(newest);
  stack.defer('change feed', () => domain.feed.close());
}

/** Probing, the agents gauge and change-log pruning: the background work of a listening registry. */
export function startBackground({ domain, config, log, stack }: Pick<RegistryBuild, 'config' | 'log' | 'stack'> & { domain: RegistryDomain }): void {
  domain.prober.start();
  stack.defer('prober', () => domain.prober.close());
  domain.checker.start();
  const gauge = setInterval(() => {
    for (const [health, n] of Object.entries(domain.directory.countByHealth())) domain.agentsGauge.labels({ health }).set(n);
  }, 15_000);
  gauge.unref();
  const prune = setInterval(() => {
    domain.store.pruneChanges(config.changeRetentionMs).catch((err) => log.warn({ err }, 'change-log pruning failed'));
  }, 3_600_000);
  prune.unref();
  stack.defer('timers', () => {
    clearInterval(gauge);
    clearInterval(prune);
  });
}
