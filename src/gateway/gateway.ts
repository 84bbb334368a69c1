import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { Redis } from 'ioredis';
import { createAuditLog, type AuditLog } from '../audit/index.js';
import { buildHttpServer, type UnroutedFallback, createMetricsListener, createSsrfGuard, drain, metricsPortOf, databaseOptionsOf } from '../http/index.js';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics } from '../observability/index.js';
import { createBus, createDatabase, type Bus, type Database } from '../storage/index.js';
import { createCreditLedger, type CreditLedger } from '../tenancy/index.js';
import { a2aProxyRoutes } from './a2a-proxy-route.js';
import { AssertionCache } from './assertion-cache.js';
import { ConcurrencyGate } from './proxy/concurrency-gate.js';
import { createRequestValidator } from './policy/request-validation.js';
import { PiiPolicies } from './policy/pii-policy.js';
import { loadCardSigningKey } from './card-signing-key.js';
import { DEFAULT_GATEWAY_METRICS_PORT, parseGatewayConfig, type GatewayConfig, type GatewayConfigInput } from './config.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { CREDITS_ADMIN_SCOPE, createIdentity, type Identity } from './identity/index.js';
import { Quotas } from './policy/quotas.js';
import { createUpstreamRouter, type UpstreamRouter } from './routing/index.js';
import { SettlementTracker, type OpenReservation } from './settlement-tracker.js';
import { exactCreditHolds, LeasedCreditHolds, type CreditHolds } from './credits/index.js';

const VERSION = '0.1.0';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  config?: GatewayConfigInput;
  logger?: Logger;
  metrics?: Metrics;
  /** Use this database instead of opening one from the config (not closed by the gateway). */
  database?: Database;
  /** Use this bus instead of creating one from the config (not closed by the gateway). */
  bus?: Bus;
}

/** A gateway, ready to listen. */
export interface Gateway {
  readonly app: FastifyInstance;
  readonly config: Readonly<GatewayConfig>;
  readonly identity: Identity;
  readonly ledger: CreditLedger;
  /** The calls' credits in front of the ledger (leased or exact, `creditsMode`). */
  readonly credits: CreditHolds;
  readonly audit: AuditLog;
  readonly router: UpstreamRouter;
  /** Listens on the public port and on the metrics listener; `metricsUrl` is where Prometheus scrapes. */
  listen(): Promise<{ url: string; metricsUrl: string }>;
  /** Reads every open reservation's task once now, then writes the settlements waiting in memory (tests, operators). */
  settleNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the gateway role (issue 4): identity (OAuth 2.0 client
 * credentials, API keys, external issuers), policy (scopes per A2A
 * operation and skill, tenants), quotas shared through Redis, credits,
 * routing to healthy instances from the registry's watch, and the audit
 * trail — in front of agents hosted anywhere.
 *
 * @example
 * const gateway = await createGateway({ config: { port: 4200, registryUrl: 'http://localhost:4100' } });
 * const { url } = await gateway.listen();
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const parsed = parseGatewayConfig(options.config ?? {});
  // Decided before port 0 is resolved below: port 0 means "any free port" for metrics too.
  const metricsPort = metricsPortOf(parsed, DEFAULT_GATEWAY_METRICS_PORT);
  // The issuer of tokens (and every URL in the OAuth metadata) is the public URL,
  // fixed before listening: "any free port" is picked now rather than at listen().
  const config = parsed.port === 0 && !parsed.publicUrl ? Object.freeze({ ...parsed, port: await freePort(parsed.host) }) : parsed;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'agentmesh' });
  const log = logger.child({ component: 'gateway' });
  const metrics = options.metrics ?? createMetrics({});
  const database = options.database ?? (await createDatabase(databaseOptionsOf(config)));
  const bus = options.bus ?? (await createBus({ url: config.redisUrl, onError: (err) => log.warn({ err }, 'bus read failed; retrying') }));
  const redis = config.redisUrl ? await openRedis(config.redisUrl, log) : undefined;
  const tracing = createTracing({ serviceName: 'agentmesh-gateway', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}) });
  const guard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing });
  const publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  // A start-up step that fails (signing keys GATEWAY_SECRET cannot decrypt) must not leave
  // the connections opened above holding the process alive: it has to exit for its manager.
  const abandon = async (err: unknown): Promise<never> => {
    redis?.disconnect();
    if (!options.bus) await bus.close().catch(() => undefined);
    if (!options.database) await database.close().catch(() => undefined);
    throw err;
  };

  const identity = await createIdentity({
    database,
    logger: log,
    metrics,
    guard,
    config: {
      issuer: publicUrl,
      audience: config.audience,
      tokenTtlSeconds: config.tokenTtlSeconds,
      signingAlg: config.signingAlg,
      keyRotationIntervalMs: config.keyRotationIntervalMs,
      clockToleranceSeconds: config.clockToleranceSeconds,
      externalIssuers: config.externalIssuers,
      ...(config.keyEncryptionSecret ? { signingKeyEncryptionSecret: config.keyEncryptionSecret } : { secretFile: join(config.dataDir, 'gateway-secret') }),
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    },
  }).catch(abandon);
  const ledger = createCreditLedger({ database, logger: log, metrics, bus, lowBalanceMilliCredits: config.lowBalanceMilliCredits });
  ledger.onLowBalance((event) => log.warn({ ...event }, 'tenant credit balance is low'));
  const audit = createAuditLog({ database, logger: log, metrics });
  const router = createUpstreamRouter({
    registryUrl: config.registryUrl,
    ...(config.registryToken ? { registryToken: config.registryToken } : {}),
    logger: log,
    metrics,
    breaker: { failures: config.breakerFailures, openMs: config.breakerOpenMs },
    requestTimeoutMs: config.requestTimeoutMs,
  });
  const quotas = new Quotas({ redis });
  const cardKey = await loadCardSigningKey(join(config.dataDir, 'gateway-card-key.pem'), () => `${publicUrl}/.well-known/agent-card-jwks.json`).catch(async (err: unknown) => {
    await identity.close();
    return abandon(err);
  });
  const readTask = async (open: OpenReservation): Promise<unknown> => {
    const instance = router.agent(open.agent)?.instances.find((i) => i.inRotation);
    if (!instance) return undefined;
    const assertion = await identity.signAssertion({ sub: open.subject, tenant: open.tenant, scope: 'a2a:tasks:read', aud: `agentmesh:agent:${open.agent}`, act: 'agentmesh-gateway' }, config.assertionTtlSeconds);
    const res = await fetch(`${instance.url.replace(/\/$/, '')}/tasks/${encodeURIComponent(open.taskId)}`, { headers: { authorization: `Bearer ${assertion}`, 'a2a-version': '1.0' }, signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) return undefined;
    return res.json();
  };
  const credits: CreditHolds =
    config.creditsMode === 'exact'
      ? exactCreditHolds(ledger)
      : new LeasedCreditHolds({
          ledger,
          logger: log,
          leaseCalls: config.creditsLeaseCalls,
          leaseShare: config.creditsLeaseShare,
          flushMs: config.creditsFlushMs,
          idleMs: config.creditsLeaseIdleMs,
          // A lease is returned long before the hold-expiry policy could take it for abandoned.
          maxLeaseAgeMs: Math.min(config.creditsLeaseMaxAgeMs, Math.floor(config.creditsMaxHoldMs / 4)),
        });
  const tracker = new SettlementTracker({
    ledger: credits,
    read: readTask,
    logger: log,
    db: database.db,
    maxHoldMs: config.creditsMaxHoldMs,
    sweepIntervalMs: config.creditsHoldSweepMs,
    // A hold that outlived the max hold was refunded: audited, so the tenant's statement explains it.
    onExpired: (settlement, open) => {
      try {
        audit.append({ eventType: 'credits.expired', actor: { kind: 'agent', id: settlement.agent }, targetAgent: settlement.agent, ...(open && { taskId: open.taskId, user: open.subject }), tenant: settlement.tenant, milliCredits: 0, outcome: 'ok', detail: { status: settlement.status, reservedMilliCredits: settlement.heldMilliCredits, reason: settlement.reason ?? 'expired', key: settlement.key } });
      } catch (err) {
        log.error({ err }, 'a hold expiry could not be audited');
      }
    },
    // A task that ended after its answer: its final charge is audited on its own.
    onSettled: (open, settlement) => {
      try {
        audit.append({ eventType: 'credits.settled', actor: { kind: 'agent', id: open.agent }, targetAgent: open.agent, taskId: open.taskId, tenant: open.tenant, user: open.subject, milliCredits: settlement.chargedMilliCredits, outcome: 'ok', detail: { status: settlement.status, reservedMilliCredits: open.estimate } });
      } catch (err) {
        log.error({ err }, 'a settlement could not be audited');
      }
    },
  });

  // Every call under /agents/ is answered (and audited) by the proxy, even one the router refuses.
  const unroutedFallback: UnroutedFallback = { prefix: '/agents/' };
  const app = buildHttpServer({
    name: 'gateway',
    unroutedFallback,
    version: VERSION,
    logger,
    metrics,
    tracing,
    // Metrics name tenants and their balances (ledger series): never on the public port.
    metricsRoute: false,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    // Streams and blocking sends carry their own deadlines (the router's timeouts).
    handlerTimeoutMs: 0,
    // As in the runtime: an active AsyncLocalStorage costs a hook on every promise;
    // the proxy passes request identity explicitly (request id header, audit entry).
    asyncContext: false,
    readiness: [
      { name: 'storage', check: () => database.ping() },
      { name: 'bus', check: () => bus.ping() },
      {
        name: 'registry',
        check: async () => {
          if (!router.ready()) throw new Error('the routing cache has not loaded the registry yet');
        },
      },
    ],
  });
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: false, exposedHeaders: ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'www-authenticate'] });
  await identity.registerRoutes(app);
  // The credits API: the static admin token (bootstrap) counts as credits:admin; a client reads its own tenant.
  await ledger.registerRoutes(app, {
    authenticate: async (request) => {
      try {
        return await identity.requireScope(request, CREDITS_ADMIN_SCOPE);
      } catch {
        return identity.authenticate(request);
      }
    },
  });
  app.get('/.well-known/agent-card-jwks.json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(cardKey.jwks()));
  const gatewayMetrics = new GatewayMetrics(metrics);
  await app.register(a2aProxyRoutes, {
    identity,
    router,
    credits,
    audit,
    quotas,
    tracker,
    metrics: gatewayMetrics,
    logger: log,
    publicUrl: () => publicUrl,
    cardSigner: (card) => cardKey.sign(card),
    bodyLimitBytes: config.bodyLimitBytes,
    assertions: new AssertionCache(identity, config.assertionTtlSeconds),
    gate: new ConcurrencyGate({ perTenantLimit: config.tenantConcurrencyPerAgent }),
    unroutedFallback,
    validator: createRequestValidator(),
    pii: config.pii ? { policies: new PiiPolicies(config.pii), limits: { maxDepth: config.pii.maxDepth, maxChars: config.pii.maxChars } } : undefined,
    defaultRequestsPerMinute: config.defaultRequestsPerMinute,
    defaultBurst: config.defaultBurst,
    tenantRequestsPerMinute: config.tenantRequestsPerMinute,
  });

  const metricsListener = createMetricsListener({ metrics, host: config.metricsHost, port: metricsPort, logger: log });

  let listening = false;
  let closed = false;
  return {
    app,
    config,
    identity,
    ledger,
    credits,
    audit,
    router,
    async listen() {
      await router.start();
      const { url: metricsUrl } = await metricsListener.listen();
      try {
        await app.listen({ port: config.port, host: config.host });
      } catch (err) {
        await metricsListener.close();
        throw err;
      }
      listening = true;
      const resumed = await tracker.load();
      if (resumed > 0) log.info({ reservations: resumed }, 'settling the reservations a previous run left open');
      tracker.start();
      log.info({ url: publicUrl, metricsUrl, registry: config.registryUrl, database: database.dialect, quotas: redis ? 'redis' : 'memory' }, 'gateway listening');
      return { url: publicUrl, metricsUrl };
    },
    async settleNow() {
      await tracker.runOnce();
      await credits.flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (listening) await drain(app, { deadlineMs: config.shutdownDeadlineMs });
      else await app.close();
      await metricsListener.close();
      await tracker.stop();
      // Drain: the settlements still in memory are written and the leases' unspent credits returned.
      await credits.close();
      await router.close();
      await audit.close();
      await identity.close();
      await guard.close();
      await tracing.shutdown();
      redis?.disconnect();
      if (!options.bus) await bus.close();
      if (!options.database) await database.close();
    },
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function openRedis(url: string, log: Logger): Promise<Redis> {
  // Loaded only when configured, like the bus's client.
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  client.on('error', (err) => log.warn({ err }, 'quota store (Redis) error; limiting per replica meanwhile'));
  return client;
}
