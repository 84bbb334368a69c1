import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { Redis } from 'ioredis';
import { createAuditLog, PeriodicAuditVerifier, type AuditLog } from '../audit/index.js';
import { buildHttpServer, closeHttpServer, MAX_PATH_PARAM_LENGTH, createSsrfGuard, databaseOptionsOf, reservePort, openClientTls, storageReadiness, type ClientTlsSource, type DisposerStack, type SsrfGuard, type UnroutedFallback, type DataPlaneRoute, type InProcessServers, type PortReservation } from '../http/index.js';
import { createTracing, type Logger, type Metrics, type Tracing } from '../observability/index.js';
import { openDatabaseAndBus, type Bus, type Database } from '../storage/index.js';
import { createCreditLedger, type CreditLedger } from '../tenancy/index.js';
import { toAcpError } from '../acp/index.js';
import { a2aProxyRoutes, isAcpDoorPath } from './a2a-proxy-route.js';
import { AnswerJournal } from './answer-journal.js';
import type { ProxyDeps } from './proxy/gateway-call.js';
import { AssertionCache } from './assertion-cache.js';
import { ChargedMessages } from './charged-messages.js';
import type { CardSigningKey } from './card-signing-key.js';
import type { GatewayConfig } from './config.js';
import { exactCreditHolds, LeasedCreditHolds, meteredCreditHolds, type CreditHolds } from './credits/index.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { CREDITS_ADMIN_SCOPE, GATEWAY_ACTOR, createIdentity, type Identity } from './identity/index.js';
import { registerCreditRoutes } from './credit-routes/index.js';
import { ConcurrencyGate } from './proxy/concurrency-gate.js';
import { PiiPolicies } from './policy/pii-policy.js';
import { Quotas } from './policy/quotas.js';
import { createRequestValidator } from './policy/request-validation.js';
import { createUpstreamRouter, type UpstreamRouter } from './routing/index.js';
import { BRIDGED_RUN_RETENTION_MS, BridgedRuns } from './bridged-runs.js';
import { SettlementTracker, type OpenReservation } from './settlement-tracker.js';
import { isChargeKey } from './settle-or-track.js';
import { InstanceTaskReader, type ReadableInstance } from './settlement-task-reader.js';
import { ApprovalGate, ApprovalStore, approvalRoutes } from './approvals/index.js';
import { PolicyEngine, PolicyStore, SessionCounters, policyRoutes } from './policies/index.js';

export const VERSION = '0.1.0';

/** What the gateway reaches out to: database, bus, the quotas' Redis (when configured), tracing and outbound guard. */
export interface GatewayBackends {
  database: Database;
  bus: Bus;
  redis: Redis | undefined;
  tracing: Tracing;
  guard: SsrfGuard;
  /** The client certificate and CA of calls to agents and the registry (`clientTls`), reloaded on change. */
  clientTls: ClientTlsSource | undefined;
}

/** The gateway's parts behind its routes. */
export interface GatewayParts {
  identity: Identity;
  ledger: CreditLedger;
  audit: AuditLog;
  router: UpstreamRouter;
  quotas: Quotas;
  credits: CreditHolds;
  tracker: SettlementTracker;
  /** Who started each run of a bridged ACP agent. */
  bridgedRuns: BridgedRuns;
  /** Approval gates: rules, parked calls, decisions (docs/approvals.md). */
  approvals: ApprovalGate;
  /** Policies as code: versioned CEL policies decided on every call they target (docs/policies.md). */
  policies: PolicyEngine;
  /** Where answered calls' settlements and audit rows go before the answer (`answerDurability: journal`, ADR 0047). */
  journal: AnswerJournal | undefined;
}

/**
 * What every builder of a gateway is given: its config (port resolved), the
 * gateway's logger (`component: gateway`), metrics, and the stack that
 * closes what the builder opens (last-first).
 */
export interface GatewayBuild {
  config: Readonly<GatewayConfig>;
  log: Logger;
  metrics: Metrics;
  stack: DisposerStack;
}

/** The config with its port fixed, and the reservation holding that port when it was picked here. */
export interface FixedPort {
  config: Readonly<GatewayConfig>;
  reservation: PortReservation | undefined;
}

/**
 * The config with port 0 resolved: the issuer of tokens (and every URL in the
 * OAuth metadata) is the public URL, fixed before listening, so "any free
 * port" is picked now rather than at listen(), and held until then.
 */
export async function withFixedPort(parsed: Readonly<GatewayConfig>): Promise<FixedPort> {
  if (parsed.port !== 0 || parsed.publicUrl) return { config: parsed, reservation: undefined };
  const reservation = await reservePort(parsed.host);
  return { config: Object.freeze({ ...parsed, port: reservation.port }), reservation };
}

/** Options of {@link openBackends}: the database and bus a caller owns are used, not opened. */
export interface OpenBackendsOptions extends Pick<GatewayBuild, 'config' | 'log' | 'stack'> {
  given: { database?: Database; bus?: Bus };
}

/** Opens the database and bus (unless given: those stay their owner's), the quotas' Redis, tracing and guard. */
export async function openBackends({ config, given, log, stack }: OpenBackendsOptions): Promise<GatewayBackends> {
  const { database, bus } = await openDatabaseAndBus({ database: databaseOptionsOf(config), redisUrl: config.redisUrl, given, log, stack });
  const redis = config.redisUrl ? await openRedis(config.redisUrl, log) : undefined;
  if (redis) stack.defer('quota store', () => redis.disconnect());
  const tracing = createTracing({ serviceName: 'agentmesh-gateway', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}), semconvStabilityOptIn: config.semconvStabilityOptIn });
  stack.defer('tracing', () => tracing.shutdown());
  const guard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing });
  stack.defer('ssrf guard', () => guard.close());
  const clientTls = openClientTls(config.clientTls, { logger: log });
  if (clientTls) stack.defer('client tls', () => clientTls.close());
  return { database, bus, redis, tracing, guard, clientTls };
}

/** Options of {@link buildParts}. */
export interface PartsOptions extends GatewayBuild {
  backends: GatewayBackends;
  /** The URL tokens are issued under (the config's `publicUrl`, or the local one). */
  publicUrl: string;
  /** Agents' servers in this process, called in memory (`agentmesh up`). */
  inProcess?: InProcessServers;
}

/** Identity, ledger, audit, router, quotas, credits and the settlement tracker; each closed after the ones built after it. */
export async function buildParts({ config, backends, publicUrl, metrics, log, stack, inProcess }: PartsOptions): Promise<GatewayParts> {
  const { database, bus, redis, guard } = backends;
  const identity = await createIdentity({
    database,
    logger: log,
    metrics,
    guard,
    generatedSecretLogLevel: config.generatedSecretsLogLevel,
    config: {
      issuer: publicUrl,
      audience: config.audience,
      tokenTtlSeconds: config.tokenTtlSeconds,
      delegationGrantTtlSeconds: config.delegationGrantTtlSeconds,
      delegationGrantRetrySeconds: config.delegationGrantRetrySeconds,
      signingAlg: config.signingAlg,
      keyRotationIntervalMs: config.keyRotationIntervalMs,
      clockToleranceSeconds: config.clockToleranceSeconds,
      externalIssuers: config.externalIssuers,
      ...(config.keyEncryptionSecret ? { signingKeyEncryptionSecret: config.keyEncryptionSecret } : { secretFile: join(config.dataDir, 'gateway-secret') }),
      ...(config.previousKeyEncryptionSecret ? { previousSigningKeyEncryptionSecret: config.previousKeyEncryptionSecret } : {}),
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    },
  });
  stack.defer('identity', () => identity.close());
  const ledger = createCreditLedger({ database, logger: log, metrics, bus, lowBalanceMilliCredits: config.lowBalanceMilliCredits });
  ledger.onLowBalance((event) => log.warn({ ...event }, 'tenant credit balance is low'));
  // Taken before the audit log and the credits (it names their journal marks), closed after them: its files go only once both committed.
  const journal = config.answerDurability === 'journal' ? AnswerJournal.open({ dir: config.answerJournalDir ?? join(config.dataDir, 'gateway-journal'), logger: log }) : undefined;
  if (journal) stack.defer('answer journal', () => journal.close());
  const audit = createAuditLog({ database, logger: log, metrics, ...(journal && { journal: journal.name }) });
  stack.defer('audit log', () => audit.close());
  if (config.auditVerifyIntervalMs > 0) {
    // Stopped before the audit log closes (the stack closes last-first).
    const verifier = new PeriodicAuditVerifier({ verify: (o) => audit.verify(o), metrics, logger: log, intervalMs: config.auditVerifyIntervalMs });
    verifier.start();
    stack.defer('audit verifier', () => verifier.stop());
  }
  const router = createUpstreamRouter({
    registryUrl: config.registryUrl,
    ...(config.registryToken ? { registryToken: config.registryToken } : {}),
    logger: log,
    metrics,
    breaker: { failures: config.breakerFailures, openMs: config.breakerOpenMs },
    requestTimeoutMs: config.requestTimeoutMs,
    // Agents and the registry may require mutual TLS: the gateway presents its client certificate.
    tls: backends.clientTls,
    inProcess,
    upstreamClient: config.upstreamClient,
  });
  stack.defer('upstream router', () => router.close());
  const quotas = new Quotas({ redis });
  const credits = meteredCreditHolds(buildCreditHolds(config, ledger, log, journal), metrics);
  // Drained at close: the settlements still in memory are written and the leases' unspent credits returned.
  stack.defer('credit holds', () => credits.close());
  if (journal) {
    journal.attach({ audit, credits });
    // What a killed gateway of this slot answered and had not written: in the database before this one serves.
    await journal.replay(ledger, audit);
  }
  const tracker = buildSettlementTracker(config, { identity, router, audit, credits }, database, log);
  stack.defer('settlement tracker', () => tracker.stop());
  const bridgedRuns = new BridgedRuns(database.db);
  // Hourly, forgets bridged runs past their retention (every replica may: the delete is idempotent).
  const sweep = setInterval(() => {
    bridgedRuns.sweep(Date.now() - BRIDGED_RUN_RETENTION_MS).catch((err: unknown) => log.warn({ err }, 'sweeping bridged runs failed'));
  }, 3600_000).unref();
  stack.defer('bridged runs sweep', () => clearInterval(sweep));
  // Session counters live where the quotas do: Redis across replicas, memory on one gateway.
  const policies = new PolicyEngine({ store: new PolicyStore(database.db), counters: new SessionCounters({ redis, logger: log.child({ module: 'policies' }) }), logger: log.child({ module: 'policies' }), reloadIntervalMs: config.approvals.sweepIntervalMs, bus });
  stack.defer('policies', () => policies.stop());
  const approvals = new ApprovalGate({
    store: new ApprovalStore(database.db),
    configRules: config.approvals.rules.map((rule) => ({ ...rule, source: 'config' as const })),
    credits,
    tracker,
    audit,
    identity,
    router,
    logger: log.child({ module: 'approvals' }),
    assertionTtlSeconds: config.assertionTtlSeconds,
    timeoutMs: config.requestTimeoutMs,
    sweepIntervalMs: config.approvals.sweepIntervalMs,
    bus,
    heldByPolicy: (agent) => policies.set.mayHoldForApproval(agent),
  });
  // Stopped before the credit holds close: a sweep in progress still refunds through them.
  stack.defer('approvals', () => approvals.stop());
  return { identity, ledger, audit, router, quotas, credits, tracker, bridgedRuns, approvals, policies, journal };
}

/** The calls' credits in front of the ledger: leased, or exact (`creditsMode`). */
function buildCreditHolds(config: GatewayConfig, ledger: CreditLedger, log: Logger, journal: AnswerJournal | undefined): CreditHolds {
  if (config.creditsMode === 'exact') return exactCreditHolds(ledger);
  return new LeasedCreditHolds({
    ledger,
    logger: log,
    leaseCalls: config.creditsLeaseCalls,
    leaseShare: config.creditsLeaseShare,
    flushMs: config.creditsFlushMs,
    idleMs: config.creditsLeaseIdleMs,
    // A lease is returned long before the hold-expiry policy could take it for abandoned.
    maxLeaseAgeMs: Math.min(config.creditsLeaseMaxAgeMs, Math.floor(config.creditsMaxHoldMs / 4)),
    journal,
    movedKey: isChargeKey,
  });
}

/** Settles the reservations of tasks that ended after their answer, reading each task from an instance in rotation. */
function buildSettlementTracker(config: GatewayConfig, parts: Pick<GatewayParts, 'identity' | 'router' | 'audit' | 'credits'>, database: Database, log: Logger): SettlementTracker {
  const { identity, router, audit, credits } = parts;
  // Any instance of the agent: the task is in the shared store, so a live replica answers for a killed one.
  const reader = new InstanceTaskReader({
    instancesOf: (agent) => router.agent(agent)?.instances,
    readFrom: (instance, open) => readTaskFrom(instance, open),
    logger: log,
  });
  const readTaskFrom = async (instance: ReadableInstance, open: OpenReservation): Promise<unknown> => {
    const route = router.agent(open.agent);
    const assertion = await identity.signAssertion({ sub: open.subject, tenant: open.tenant, scope: 'a2a:tasks:read', aud: `agentmesh:agent:${open.agent}`, act: GATEWAY_ACTOR }, config.assertionTtlSeconds);
    const bridge = route!.record.bridge;
    if (bridge !== undefined) {
      // A bridged ACP agent's task is its run, read in ACP (docs/acp.md).
      const { AcpRunClient, runToTask } = await import('../acp/index.js');
      const { Task } = await import('@a2a-js/sdk');
      const client = new AcpRunClient({ baseUrl: bridge.url, agent: open.agent, headers: { authorization: `Bearer ${assertion}` }, signal: AbortSignal.timeout(10_000) });
      return Task.toJSON(runToTask(await client.getRun(open.taskId)));
    }
    const res = await fetch(`${instance.url.replace(/\/$/, '')}/tasks/${encodeURIComponent(open.taskId)}`, { headers: { authorization: `Bearer ${assertion}`, 'a2a-version': '1.0' }, signal: AbortSignal.timeout(10_000) });
    // An instance failing (5xx) is no answer: another is asked. Any other status is the task's answer for now.
    if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
    if (res.status !== 200) return undefined;
    return res.json();
  };
  return new SettlementTracker({
    ledger: credits,
    read: (open) => reader.read(open),
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
}

/** Every call under /agents/ is answered (and audited) by the proxy, even one the router refuses. */
const unroutedFallback: UnroutedFallback = { prefix: '/agents/' };

/**
 * The A2A calls, served on node:http before Fastify (ADR 0015). With CORS
 * configured, a browser's request (it has an `Origin`) goes through Fastify,
 * where the CORS plugin answers preflights and adds its headers.
 */
export function agentsDataPlane(config: GatewayConfig): DataPlaneRoute {
  const cors = config.corsOrigins.length > 0;
  return {
    prefix: '/agents/',
    accepts: cors ? (req) => req.headers.origin === undefined : undefined,
    // The labels of the Fastify routes the same calls take otherwise.
    routeLabel: (path) => (path.indexOf('/', '/agents/'.length) < 0 ? '/agents/:name' : '/agents/:name/*'),
    // The ACP door answers in ACP's Error shape even when the plane refuses (a body too large, draining), as the runtime's ACP routes do.
    renderError: (path, error, requestId) => (isAcpDoorPath(path) ? toAcpError(error, requestId) : undefined),
  };
}

/** Options of {@link buildGatewayHttp}. */
export interface GatewayHttpOptions extends Pick<GatewayBuild, 'config' | 'metrics' | 'stack'> {
  /** The logger requests log to: the root one, not the gateway's child. */
  logger: Logger;
  backends: GatewayBackends;
  /** Readiness waits for its routing cache. */
  router: UpstreamRouter;
  dataPlane: DataPlaneRoute;
}

/** The public HTTP server, routes not yet mounted; the first thing closed (drained). */
export function buildGatewayHttp({ config, logger, metrics, backends, router, stack, dataPlane }: GatewayHttpOptions): FastifyInstance {
  const app = buildHttpServer({
    name: 'gateway',
    unroutedFallback,
    dataPlane,
    dataPlaneServer: config.dataPlaneServer,
    halfClose: config.halfClose,
    version: VERSION,
    logger,
    metrics,
    tracing: backends.tracing,
    // Metrics name tenants and their balances (ledger series): never on the public port.
    metricsRoute: false,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    // Every id in a management path is checked by its route's schema (400 naming the field): the router must not
    // first turn a long one (a 300-character tenant) into a 404. Node's header limit (16 KiB) bounds the URL anyway.
    maxParamLength: MAX_PATH_PARAM_LENGTH,
    // Streams and blocking sends carry their own deadlines (the router's timeouts).
    handlerTimeoutMs: 0,
    // As in the runtime: an active AsyncLocalStorage costs a hook on every promise;
    // the proxy passes request identity explicitly (request id header, audit entry).
    asyncContext: false,
    // Clients may present a certificate (TLS_CLIENT_AUTH=request|require): tokens issued over such a connection are bound to it (RFC 8705).
    tls: config.tls,
    readiness: [
      ...storageReadiness(backends),
      {
        name: 'registry',
        check: async () => {
          if (!router.ready()) throw new Error('the routing cache has not loaded the registry yet');
        },
      },
    ],
  });
  stack.defer('http server', () => closeHttpServer(app, config.shutdownDeadlineMs));
  return app;
}

/** Options of {@link mountRoutes}. */
export interface MountRoutesOptions extends Pick<GatewayBuild, 'config' | 'metrics' | 'log'> {
  app: FastifyInstance;
  parts: GatewayParts;
  cardKey: CardSigningKey;
  publicUrl: string;
  tracing: Tracing;
  dataPlane: DataPlaneRoute;
}

/** CORS, the identity and credits APIs, the card JWKS and the A2A proxy; resolves to what the proxy's steps work with. */
export async function mountRoutes({ app, parts, cardKey, config, publicUrl, metrics, tracing, log, dataPlane }: MountRoutesOptions): Promise<ProxyDeps> {
  const { identity, ledger, router, credits, audit, quotas, tracker, bridgedRuns, approvals, policies } = parts;
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: false, exposedHeaders: ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'www-authenticate'] });
  await identity.registerRoutes(app);
  // The credits API: the static admin token (bootstrap) counts as credits:admin; a client reads its own tenant.
  await registerCreditRoutes(app, {
    ledger,
    authenticate: async (request) => {
      try {
        return await identity.requireScope(request, CREDITS_ADMIN_SCOPE);
      } catch {
        return identity.authenticate(request);
      }
    },
  });
  await app.register(approvalRoutes, { gate: approvals, identity });
  await app.register(policyRoutes, { engine: policies, identity, audit });
  app.get('/.well-known/agent-card-jwks.json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(cardKey.jwks()));
  const steps: ProxyDeps = {
    identity,
    router,
    credits,
    audit,
    journal: parts.journal,
    quotas,
    tracker,
    bridgedRuns,
    approvals,
    policies,
    metrics: new GatewayMetrics(metrics),
    tracing,
    logger: log,
    publicUrl: () => publicUrl,
    cardSigner: (card) => cardKey.sign(card),
    bodyLimitBytes: config.bodyLimitBytes,
    assertions: new AssertionCache(identity, config.assertionTtlSeconds),
    charged: new ChargedMessages(),
    gate: new ConcurrencyGate({ perTenantLimit: config.tenantConcurrencyPerAgent }),
    validator: createRequestValidator(),
    pii: config.pii ? { policies: new PiiPolicies(config.pii), limits: { maxDepth: config.pii.maxDepth, maxChars: config.pii.maxChars } } : undefined,
    delegationMaxDepth: config.delegationMaxDepth,
    defaultRequestsPerMinute: config.defaultRequestsPerMinute,
    defaultBurst: config.defaultBurst,
    tenantRequestsPerMinute: config.tenantRequestsPerMinute,
  };
  await app.register(a2aProxyRoutes, { ...steps, unroutedFallback, dataPlane });
  return steps;
}


async function openRedis(url: string, log: Logger): Promise<Redis> {
  // Loaded only when configured, like the bus's client.
  const { Redis: RedisClient } = await import('ioredis');
  // Auto-pipelining: the quota scripts of the calls admitted in one event-loop turn leave in one socket write.
  const client = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, enableAutoPipelining: true });
  client.on('error', (err) => log.warn({ err }, 'quota store (Redis) error; limiting per replica meanwhile'));
  return client;
}
