import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/index.js';
import { createMetricsListener, listenUnannounced, localUrlOf, type InProcessServers, metricsPortOf, observeDatabase, openWithStack, probeListenerOf } from '../http/index.js';
import { createLogger, createMetrics, type Logger, type Metrics } from '../observability/index.js';
import type { Bus, Database } from '../storage/index.js';
import type { CreditLedger } from '../tenancy/index.js';
import { loadCardSigningKey } from './card-signing-key.js';
import { DEFAULT_GATEWAY_METRICS_PORT, parseGatewayConfig, type GatewayConfig, type GatewayConfigInput } from './config.js';
import { consoleOidcSettings, consoleRoutes, defaultConsoleDir, HealthHistory, MetricsHistory } from './console/index.js';
import type { CreditHolds } from './credits/index.js';
import { agentsDataPlane, buildGatewayHttp, buildParts, mountRoutes, openBackends, withFixedPort, type GatewayBuild } from './gateway-builders.js';
import type { Identity } from './identity/index.js';
import type { UpstreamRouter } from './routing/index.js';
import type { ApprovalGate } from './approvals/index.js';
import type { ProxyDeps } from './proxy/gateway-call.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  config?: GatewayConfigInput;
  logger?: Logger;
  metrics?: Metrics;
  /** Use this database instead of opening one from the config (not closed by the gateway). */
  database?: Database;
  /** Use this bus instead of creating one from the config (not closed by the gateway). */
  bus?: Bus;
  /** Agents' servers living in this process, called in memory instead of over loopback (`agentmesh up`). */
  inProcess?: InProcessServers;
  /**
   * Serve `GET /metrics` on the gateway's own metrics listener (default
   * true). False in a cluster worker (`serve gateway --workers n`): the
   * primary serves the workers' metrics together, and `listen()` then
   * answers `metricsUrl: ''`.
   */
  metricsListener?: boolean;
  /**
   * The configured port is held by the caller's port reservation (SO_REUSEPORT,
   * `reservePort`) until this gateway listens: bind beside it. Set in the
   * workers of `serve gateway --workers n` on port 0, whose primary holds the
   * port it picked until they all listen.
   */
  portHeldByCaller?: boolean;
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
  /** Approval gates: rules, parked calls, decisions (docs/approvals.md). */
  readonly approvals: ApprovalGate;
  /**
   * What the A2A proxy's steps decide and record with: the same identity,
   * quotas, concurrency gate, credits, journal, audit and metrics its calls
   * use. For a policy agent that runs those steps beside a native relay
   * (bench/gateway/spoe, ADR 0061): its calls count against the same
   * windows and slots as the gateway's own.
   */
  readonly callSteps: ProxyDeps;
  /** Listens on the public port and on the metrics listener; `metricsUrl` is where Prometheus scrapes, `probesUrl` the probe listener's (when `probePort` is set). */
  listen(): Promise<{ url: string; boundUrl: string; metricsUrl: string; probesUrl?: string }>;
  /** Reads every open reservation's task once now, then writes the settlements waiting in memory (tests, operators). */
  settleNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the gateway role (docs/gateway.md): identity (OAuth 2.0 client
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
  const { config, reservation } = await withFixedPort(parsed);
  const reusePort = options.portHeldByCaller === true || reservation?.shared === true;
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, name: 'agentmesh' });
  const log = logger.child({ component: 'gateway' });
  const metrics = options.metrics ?? createMetrics({});
  const publicUrl = config.publicUrl ?? localUrlOf(config, config.port);
  // Closed last-first: HTTP drain, metrics listener, tracker, credits, router, audit,
  // identity, guard, tracing, Redis, bus, database. A failed start-up (signing keys
  // GATEWAY_SECRET cannot decrypt) closes what it opened, so the process can exit.
  return openWithStack(async (stack) => {
    if (reservation) stack.defer('port reservation', () => reservation.release());
    const build: GatewayBuild = { config, log, metrics, stack };
    const backends = await openBackends({ ...build, given: options });
    observeDatabase(metrics, backends.database);
    const parts = await buildParts({ ...build, backends, publicUrl, inProcess: options.inProcess });
    const cardKey = await loadCardSigningKey(join(config.dataDir, 'gateway-card-key.pem'), () => `${publicUrl}/.well-known/agent-card-jwks.json`, config.cardSigningKeyPem);
    const metricsListener = options.metricsListener === false ? undefined : createMetricsListener({ metrics, host: config.metricsHost, port: metricsPort, logger: log });
    if (metricsListener) stack.defer('metrics listener', () => metricsListener.close());
    const dataPlane = agentsDataPlane(config);
    const app = buildGatewayHttp({ ...build, logger, backends, router: parts.router, dataPlane });
    const probes = probeListenerOf(app, config, log);
    const callSteps = await mountRoutes({ ...build, app, parts, cardKey, publicUrl, tracing: backends.tracing, dataPlane });
    const { identity, ledger, credits, audit, router, tracker, approvals } = parts;
    // The web console (docs/console.md): its pages and read APIs, on the Fastify side only.
    const history = new MetricsHistory({ metrics });
    const health = new HealthHistory({ router });
    stack.defer('console histories', () => {
      history.stop();
      health.stop();
    });
    await consoleRoutes(app, { identity, router, ledger, history, health, audit, registryUrl: config.registryUrl, registryToken: config.registryToken, registryReviewToken: config.registryReviewToken, consoleDir: config.consoleDir ?? defaultConsoleDir(), oidc: config.consoleOidc === undefined ? undefined : consoleOidcSettings(config.consoleOidc), log, assertionTtlSeconds: config.assertionTtlSeconds, lowBalanceMilliCredits: config.lowBalanceMilliCredits, publicUrl: () => publicUrl, cardExtensions: (agent) => approvals.cardExtensions(agent) });
    return {
      app,
      config,
      identity,
      ledger,
      credits,
      audit,
      router,
      approvals,
      callSteps,
      async listen() {
        // The port is bound while the registry loads, not after: a port in use ends the start at once
        // instead of after the registry's wait (up to 10 s when it is down). A call that arrives before the
        // directory has loaded is answered 503, retryable, and readiness says not ready until it has.
        const routing = router.start();
        const metricsUrl = metricsListener ? (await metricsListener.listen()).url : '';
        // The policies and the stored approval rules are in force before the first call is served: none passes
        // unchecked while they load (a restarted replica would otherwise send a gated call straight on).
        await parts.policies.start();
        await approvals.followRules();
        try {
          // Its own `gateway listening` line below says where, once: not Fastify's as well.
          await listenUnannounced(app, { port: config.port, host: config.host, ...(reusePort && { reusePort }) });
          await reservation?.release();
        } catch (err) {
          await metricsListener?.close();
          throw err;
        }
        await routing;
        const probesUrl = (await probes?.listen())?.url;
        const resumed = await tracker.load();
        if (resumed > 0) log.info({ reservations: resumed }, 'settling the reservations a previous run left open');
        tracker.start();
        // Parked calls outlive the process: expiries due and approved calls left unsent are taken up now.
        await approvals.start();
        history.start();
        health.start();
        log.info({ url: publicUrl, metricsUrl, registry: config.registryUrl, database: backends.database.dialect, quotas: backends.redis ? 'redis' : 'memory' }, 'gateway listening');
        // The address this replica bound, beside the public URL it names in tokens and cards (a load balancer's).
        const bound = app.server.address();
        const boundUrl = localUrlOf(config, typeof bound === 'object' && bound !== null ? bound.port : config.port);
        return { url: publicUrl, boundUrl, metricsUrl, ...(probesUrl !== undefined && { probesUrl }) };
      },
      async settleNow() {
        await tracker.runOnce();
        await credits.flush();
      },
      close: () => stack.closeAll(),
    };
  }, (err) => log.warn({ err }, 'closing what a failed start opened failed'));
}
