import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { uuidv7 } from '../storage/index.js';
import { buildHttpServer, createSsrfGuard, databaseOptionsOf, drain, onDrain } from '../http/index.js';
import { createLogger, createMetrics, createTracing, type Logger, type Metrics } from '../observability/index.js';
import { stateName } from '../protocol/index.js';
import { createBus, createDatabase, createRuntimeStores, type Bus, type Database } from '../storage/index.js';
import { buildAgentCard, type CardSigningKey, type ServedCard } from './agent-card.js';
import { AgentRequestHandler } from './agent-request-handler.js';
import { registerAgentRoutes } from './agent-routes.js';
import { gatewayAssertionRequired, parseRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from './config.js';
import type { AgentDefinition } from './define-agent.js';
import { loadPushSealingKey, loadSigningKey, PushDeliveryWorker, SealedPushStore, createPushSigner, type SigningKey } from './push/index.js';
import { AgentConfigs, createRegistryLink, type ConfigChangeListener, type RegistryLink } from './registration/index.js';
import { TaskEngine } from './task-engine.js';
import type { TaskControl } from './task-control.js';
import { createGatewayAssertionCheck } from './gateway-assertion.js';
import { anonymous, type Authenticate } from './transports/call-context.js';
import { untilDeadline } from './shutdown-deadline.js';
import type { GrpcAgent, GrpcServing } from './transports/grpc-server.js';

const VERSION = '0.1.0';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  agents: AgentDefinition[];
  config?: RuntimeConfigInput;
  logger?: Logger;
  metrics?: Metrics;
  /** Resolves the caller of a request; default: everyone is anonymous. */
  authenticate?: Authenticate;
  /** Use this database instead of opening one from the config (it is not closed by the runtime). */
  database?: Database;
  /** Use this bus instead of creating one from the config (it is not closed by the runtime). */
  bus?: Bus;
  /**
   * The clock (epoch ms) of task timestamps, skill deadlines, recovery and push
   * retries. Default `Date.now`. A test passes a fake one to reach a timeout or a
   * retry without waiting for it (agentmesh/testing).
   */
  now?: () => number;
}

/** A runtime hosting agents. */
export interface Runtime {
  readonly app: FastifyInstance;
  readonly engine: TaskEngine;
  readonly config: Readonly<RuntimeConfig>;
  readonly replicaId: string;
  /**
   * Starts listening and the background work (heartbeats, recovery, push
   * delivery, retention). `grpc`: each agent's gRPC target (host:port) when
   * `grpcPort` is set.
   */
  listen(): Promise<{ url: string; agents: Record<string, string>; grpc?: Record<string, string> }>;
  /** Runs one recovery pass now (tests and operators). */
  recoverNow(): Promise<{ failed: number; rerun: number }>;
  /**
   * Runs one push delivery pass now, listening or not: claims the due
   * notifications and settles them. Resolves with how many it claimed
   * (tests drive delivery with it; `listen()` also polls in the background).
   */
  deliverPushNow(): Promise<number>;
  /**
   * Calls `listener` each time `agent`'s active config changes in the
   * registry (`registryUrl`); returns the function that stops it.
   * Throws when this runtime hosts no such agent.
   */
  onConfigChange(agent: string, listener: ConfigChangeListener): () => void;
  /** The active config of `agent` (frozen; `{}` when none): what skills see as `ctx.config`. */
  configOf(agent: string): Readonly<Record<string, unknown>>;
  /**
   * Writes to handed-off tasks (`ctx.handOff()`) by id — progress, artifacts,
   * input-required, complete, fail, cancel — over this runtime's store and
   * bus; limited to `agent`'s tasks when named. See docs/runtime.md
   * "Long-running tasks"; `openTaskControl()` does the same from a process
   * that hosts no runtime.
   */
  tasks(agent?: string): TaskControl;
  /** Drains requests and streams, stops background work and closes what it opened. */
  close(): Promise<void>;
}

/** Time past the drain deadline the closing of connections may take (they are quick unless something holds them). */
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * Builds a runtime that hosts `agents`: each at `/agents/{name}/`, and a single
 * agent also at the root. Nothing listens until {@link Runtime.listen}.
 *
 * @example
 * const runtime = await createRuntime({ agents: [scorer], config: { port: 4000 } });
 * const { url } = await runtime.listen();
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const config = parseRuntimeConfig(options.config ?? {});
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'agentmesh' });
  const log = logger.child({ component: 'runtime' });
  const metrics = options.metrics ?? createMetrics({});
  const names = new Set<string>();
  for (const agent of options.agents) {
    if (names.has(agent.name)) throw new Error(`two agents are named ${agent.name}; names must be unique in one runtime`);
    names.add(agent.name);
  }
  const database = options.database ?? (await createDatabase(databaseOptionsOf(config)));
  const bus = options.bus ?? (await createBus({ url: config.redisUrl, onError: (err) => log.warn({ err }, 'bus read failed; retrying') }));
  const stores = createRuntimeStores(database);
  // A start-up step that fails (an unreadable secret or key file) must not leave the bus's
  // Redis connections and the database pool holding the process alive: it has to exit.
  const abandon = async (err: unknown): Promise<never> => {
    if (!options.bus) await bus.close().catch(() => undefined);
    if (!options.database) await database.close().catch(() => undefined);
    throw err;
  };
  // Push configs hold webhook credentials: sealed at rest under the runtime's secret (issue 15 §4).
  const pushStore = new SealedPushStore(stores.push, await loadPushSealingKey({ secret: config.storageSecret, file: join(config.dataDir, 'runtime-secret'), logger: log }).catch(abandon));
  const replicaId = uuidv7();
  const configs = new AgentConfigs({ agents: options.agents.map((a) => a.name), logger: log });
  const tasksSettled = metrics.counter('agentmesh_runtime_tasks_total', 'Tasks that reached a terminal or interrupted state', ['agent', 'skill', 'state']);
  const taskSeconds = metrics.histogram('agentmesh_runtime_task_duration_seconds', 'Time from submission to the end of a task', ['agent', 'skill'], [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120, 600]);
  const settledChildren = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const engine = new TaskEngine({
    agents: new Map(options.agents.map((a) => [a.name, a])),
    store: stores.tasks,
    bus,
    logger: log,
    replicaId,
    maxConcurrentTasks: config.maxConcurrentTasks,
    queueLimit: config.queueLimit,
    skillTimeoutMs: config.skillTimeoutMs,
    now,
    configOf: (agent) => configs.get(agent),
    onTaskSettled: (agent, skill, state, seconds) => {
      // Label-bound children cached per (agent, skill, state): no label hashing per task.
      const key = `${agent} ${skill} ${state}`;
      let child = settledChildren.get(key);
      if (child === undefined) {
        child = { count: tasksSettled.labels({ agent, skill, state: stateName(state) }), time: taskSeconds.labels({ agent, skill }) };
        settledChildren.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
  });
  const running = metrics.gauge('agentmesh_runtime_tasks_running', 'Tasks executing on this replica', []);
  const tracing = createTracing({ serviceName: 'agentmesh-runtime', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}) });
  const guard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing });
  const signingKey: SigningKey = await loadSigningKey({ file: join(config.dataDir, 'signing-key.json'), logger: log, ...(config.signingKeyPem ? { privateKeyPem: config.signingKeyPem } : {}) }).catch(abandon);

  const app = buildHttpServer({
    name: 'runtime',
    version: VERSION,
    logger,
    metrics,
    tracing,
    bodyLimitBytes: config.bodyLimitBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    // A2A calls are bounded by skill timeouts and the client's connection; a
    // server-wide handler timeout would cut long blocking SendMessage calls and
    // costs ~7% of a request (timer, AbortController, DOMException).
    handlerTimeoutMs: 0,
    // Request identity travels in each call (CallInfo.log, traceparent) instead:
    // an active AsyncLocalStorage costs a hook on every promise (10–15% of a request).
    asyncContext: false,
    readiness: [
      { name: 'storage', check: () => database.ping() },
      { name: 'bus', check: () => bus.ping() },
    ],
  });

  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const cards = new Map<string, ServedCard>();
  const single = options.agents.length === 1;
  const baseUrlOf = (agent: AgentDefinition) => (single ? publicUrl : `${publicUrl}/agents/${agent.name}`);
  // Each agent's gRPC target once its server is bound (listen()); the cards list it from then on.
  const grpcUrls = new Map<string, string>();
  const urlsOf = (agent: AgentDefinition) => ({ baseUrl: baseUrlOf(agent), grpcUrl: grpcUrls.get(agent.name) });
  const grpcAgents: GrpcAgent[] = [];
  let grpcServing: GrpcServing | undefined;
  const cardKey: CardSigningKey | undefined = config.signCards
    ? { kid: signingKey.kid, alg: signingKey.alg, privateKey: signingKey.privateKey, jku: `${publicUrl}/.well-known/jwks.json` }
    : undefined;
  const servedCard = async (agent: AgentDefinition): Promise<ServedCard> => {
    let served = cards.get(agent.name);
    if (!served) {
      served = await buildAgentCard(agent, { ...urlsOf(agent), signingKey: cardKey && { ...cardKey, jku: `${publicUrl}/.well-known/jwks.json` } });
      cards.set(agent.name, served);
    }
    return served;
  };
  const extendedCards = new Map<string, ServedCard>();
  if (config.gatewayJwksUrl !== undefined && config.requireGatewayAssertion === false) {
    log.warn('requireGatewayAssertion is false: the agents answer direct calls that skip the gateway (credits, audit); development only');
  }
  const gatewayCheck = config.gatewayJwksUrl
    ? createGatewayAssertionCheck({ jwksUrl: config.gatewayJwksUrl, issuer: config.gatewayIssuer, required: gatewayAssertionRequired(config) })
    : undefined;
  for (const agent of options.agents) {
    const handler = new AgentRequestHandler({
      agent,
      engine,
      store: stores.tasks,
      push: pushStore,
      bus,
      card: () => cards.get(agent.name)!.card,
      extendedCard: () => extendedCards.get(agent.name)?.card,
      urlGuard: guard,
    });
    const routes = {
      handler,
      card: async () => {
        const served = await servedCard(agent);
        if (agent.extendedCard && !extendedCards.has(agent.name)) extendedCards.set(agent.name, await buildAgentCard(agent, { ...urlsOf(agent), extended: true }));
        return served;
      },
      authenticate: options.authenticate ?? gatewayCheck?.forAgent(agent.name) ?? anonymous,
      sse: { heartbeatMs: config.sseHeartbeatMs, onDrain: (close: () => void) => onDrain(app, close) },
      bodyLimitBytes: config.bodyLimitBytes,
    };
    grpcAgents.push({ name: agent.name, handler, authenticate: routes.authenticate });
    // Cards must exist before the first A2A call: handlers read them synchronously.
    app.addHook('onReady', async () => {
      await routes.card();
    });
    await app.register(async (scope) => registerAgentRoutes(scope, routes), { prefix: `/agents/${agent.name}` });
    if (single) await app.register(async (scope) => registerAgentRoutes(scope, routes));
  }
  app.get('/.well-known/jwks.json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(signingKey.jwks()));

  const signer = createPushSigner({ key: signingKey });
  const push = new PushDeliveryWorker({
    taskStore: stores.tasks,
    pushStore,
    guard,
    signer,
    logger: log,
    metrics,
    replicaId,
    agentBaseUrl: () => publicUrl,
    tracing,
    retryWindowMs: config.pushRetryWindowMs,
    now,
  });

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<unknown>) => {
    const t = setInterval(() => {
      fn().catch((err) => log.warn({ err }, 'background task failed'));
    }, ms);
    t.unref();
    timers.push(t);
  };
  const recoverNow = async () => engine.recover(now() - config.replicaTtlMs, { giveUpBefore: now() - 10 * config.replicaTtlMs });

  let listening = false;
  let registry: RegistryLink | undefined;
  return {
    app,
    engine,
    config,
    replicaId,
    async listen() {
      await stores.tasks.heartbeat(replicaId, now());
      await app.listen({ port: config.port, host: config.host });
      listening = true;
      const port = (app.server.address() as AddressInfo).port;
      if (!config.publicUrl) publicUrl = `http://localhost:${port}`;
      if (config.grpcPort !== undefined) {
        // Loaded only here: a runtime without gRPC never imports grpc-js (STYLE rule 15).
        const { startGrpcServers } = await import('./transports/grpc-server.js');
        grpcServing = await startGrpcServers({ agents: grpcAgents, host: config.host, port: config.grpcPort, maxMessageBytes: config.bodyLimitBytes, logger: log, metrics });
        // Advertised on the public URL's host: the host callers already reach the agent at.
        const host = new URL(publicUrl).hostname;
        for (const [name, grpcPort] of Object.entries(grpcServing.ports)) grpcUrls.set(name, `${host}:${grpcPort}`);
      }
      // Rebuild the cards for the real URL, then swap: requests in between still find the old ones.
      const fresh = new Map<string, ServedCard>();
      for (const agent of options.agents) fresh.set(agent.name, await buildAgentCard(agent, { ...urlsOf(agent), signingKey: cardKey && { ...cardKey, jku: `${publicUrl}/.well-known/jwks.json` } }));
      for (const [name, card] of fresh) cards.set(name, card);
      extendedCards.clear();
      every(config.heartbeatMs, () => stores.tasks.heartbeat(replicaId, now()));
      every(Math.max(1000, Math.floor(config.replicaTtlMs / 2)), recoverNow);
      every(Math.max(1000, config.sseHeartbeatMs), async () => running.set(engine.activeRuns));
      if (config.retentionMs > 0) every(10 * 60_000, () => stores.tasks.prune(now() - config.retentionMs, 1000));
      // Configs stored in clear by an earlier version are sealed before the worker reads them.
      const sealed = await pushStore.sealExisting();
      if (sealed > 0) log.info({ sealed }, 'sealed push configs stored in clear by an earlier version');
      push.start();
      void recoverNow().catch((err) => log.warn({ err }, 'startup recovery failed'));
      const agents = Object.fromEntries(options.agents.map((a) => [a.name, baseUrlOf(a)]));
      const grpc = grpcServing ? Object.fromEntries(grpcUrls) : undefined;
      log.info({ url: publicUrl, agents, ...(grpc ? { grpc } : {}), replicaId, database: database.dialect, bus: bus.kind }, 'runtime listening');
      if (config.registryUrl) {
        registry = createRegistryLink({
          registryUrl: config.registryUrl,
          token: config.registryToken,
          leaseTtlMs: config.registryLeaseTtlMs,
          region: config.registryRegion,
          configs,
          tracing,
          logger: log,
          agents: options.agents.map((agent) => ({
            name: agent.name,
            // The JSON served at the card URL, signature included: the registry verifies what callers will fetch.
            card: () => JSON.parse(cards.get(agent.name)!.json) as unknown,
            version: cards.get(agent.name)!.card.version || undefined,
            metadata: agent.registry,
            url: baseUrlOf(agent),
            capacity: agent.maxConcurrentTasks ?? config.maxConcurrentTasks,
          })),
        });
        // Bounded: a registry that is down delays serving by at most a moment, then retries behind.
        await registry.start();
      }
      return { url: publicUrl, agents, ...(grpc ? { grpc } : {}) };
    },
    recoverNow,
    deliverPushNow: () => push.runOnce(),
    onConfigChange: (agent, listener) => configs.subscribe(agent, listener),
    configOf: (agent) => configs.get(agent),
    tasks: (agent) => {
      if (agent !== undefined && !names.has(agent)) throw new Error(`this runtime hosts no agent named ${agent}`);
      return engine.tasks(agent);
    },
    async close() {
      // Out of rotation first, so routers stop sending work before the drain starts.
      const deadlineAt = Date.now() + config.shutdownDeadlineMs;
      await registry?.close();
      for (const t of timers) clearInterval(t);
      // One deadline for the whole drain: final task writes first, then open requests with what is left.
      await engine.shutdown({ deadlineMs: Math.max(0, deadlineAt - Date.now()) });
      // HTTP and gRPC drain side by side, under the same deadline.
      await Promise.all([
        listening ? drain(app, { deadlineMs: Math.max(1, deadlineAt - Date.now()) }) : app.close(),
        grpcServing?.close(deadlineAt),
      ]);
      // Past the deadline every step is abandoned rather than awaited (a pool whose
      // connection is blocked on a lock never ends); each one abandoned is logged.
      const grace = deadlineAt + SHUTDOWN_GRACE_MS;
      await untilDeadline('push worker', push.stop(), grace, log);
      await guard.close();
      await tracing.shutdown();
      await untilDeadline('replica record', stores.tasks.removeReplica(replicaId).catch(() => undefined), grace, log);
      if (!options.bus) await untilDeadline('bus', bus.close(), grace, log);
      if (!options.database) await untilDeadline('database', database.close(), grace, log);
    },
  };
}
