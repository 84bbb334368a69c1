import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer, closeHttpServer, createSsrfGuard, databaseOptionsOf, onDrain, openClientTls, storageReadiness, type ClientTlsSource, type DisposerStack, type SsrfGuard } from '../http/index.js';
import { createTracing, RecentTraces, type Logger, type Metrics, type Tracing } from '../observability/index.js';
import { stateName } from '../protocol/index.js';
import { createRuntimeStores, openDatabaseAndBus, uuidv7, type Bus, type Database, type RuntimeStores } from '../storage/index.js';
import { AgentRequestHandler } from './agent-request-handler.js';
import { registerAgentRoutes } from './agent-routes.js';
import { gatewayAssertionRequired, type RuntimeConfig } from './config.js';
import type { AgentDefinition } from '../contracts/agent/index.js';
import { createGatewayAssertionCheck } from './gateway-assertion.js';
import { createPushSigner, loadPushSealingKey, loadSigningKey, PushDeliveryWorker, requireDatabaseSecret, SealedPushStore, type SigningKey } from './push/index.js';
import { createRegistryLink, type AgentConfigs } from './registration/index.js';
import type { ServedCards } from './served-cards.js';
import type { ShutdownDeadline } from './shutdown-deadline.js';
import { TaskEngine } from './task-engine.js';
import { anonymous, type Authenticate } from './transports/call-context.js';
import type { GrpcAgent, GrpcServing } from './transports/grpc-server.js';
import { registerAcpRoutes, type AcpAgent } from './transports/acp-routes.js';
import type { AgentTaskControl } from '../contracts/agent/index.js';
import { CALLBACK_KEY_INFO, registerWorkflowCallbackRoute, WORKFLOW_HOOK_PROTOCOL, WorkflowHooks } from './workflow-hooks/index.js';

/** Where the runtime serves ACP (ACP's own paths follow: `/acp/runs`, …). */
export const ACP_PREFIX = '/acp';

export const VERSION = '0.1.0';

/** What the runtime reaches out to and the keys it loads at start-up. */
export interface RuntimeBackends {
  database: Database;
  bus: Bus;
  stores: RuntimeStores;
  /** Push configs hold webhook credentials: sealed at rest under the runtime's secret, so no dump or backup holds one. */
  pushStore: SealedPushStore;
  replicaId: string;
  tracing: Tracing;
  /** Each task's trace, for its push deliveries; only when spans are exported. */
  taskTraces: RecentTraces | undefined;
  guard: SsrfGuard;
  signingKey: SigningKey;
  /** The client certificate and CA of calls to the registry and the gateway's JWKS (`clientTls`), reloaded on change. */
  clientTls: ClientTlsSource | undefined;
}

/** The gRPC servers, once listen() bound them: closed beside the HTTP server. */
export interface GrpcSlot {
  serving?: GrpcServing;
}

/**
 * What every builder of a runtime is given: its parsed config, the runtime's
 * logger (`component: runtime`), metrics, the clock of task times, the drain's
 * deadline, and the stack that closes what the builder opens (last-first).
 */
export interface RuntimeBuild {
  config: Readonly<RuntimeConfig>;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** The clock of the heartbeat watch (TaskEngineOptions.watchNow). */
  watchNow: () => number;
  deadline: ShutdownDeadline;
  stack: DisposerStack;
}

/** Options of {@link openBackends}: the database, bus and tracing a caller owns are used, not opened. */
export interface OpenBackendsOptions extends Pick<RuntimeBuild, 'config' | 'log' | 'deadline' | 'stack'> {
  given: { database?: Database; bus?: Bus; tracing?: Tracing };
}

/** The agents' names, refusing two agents of one name. */
export function uniqueAgentNames(agents: readonly AgentDefinition[]): Set<string> {
  const names = new Set<string>();
  for (const agent of agents) {
    if (names.has(agent.name)) throw new Error(`two agents are named ${agent.name}; names must be unique in one runtime`);
    names.add(agent.name);
  }
  return names;
}

/**
 * Opens the database and bus (unless given: those stay their owner's), the
 * stores, tracing and guard, and loads the push sealing key and the signing
 * key. The steps after the drain are bounded by the shutdown deadline: a pool
 * whose connection is blocked on a lock never ends.
 */
export async function openBackends({ config, given, log, deadline, stack }: OpenBackendsOptions): Promise<RuntimeBackends> {
  const { database, bus } = await openDatabaseAndBus({ database: databaseOptionsOf(config), redisUrl: config.redisUrl, given, log, stack, close: (step, work) => deadline.bounded(step, work) });
  const stores = createRuntimeStores(database);
  const secretFile = join(config.dataDir, 'runtime-secret');
  const pushStore = new SealedPushStore(stores.push, await loadPushSealingKey({ secret: config.storageSecret, previousSecret: config.previousStorageSecret, file: secretFile, logger: log, generatedLogLevel: config.generatedSecretsLogLevel }));
  const replicaId = uuidv7();
  // Written by listen()'s heartbeat; removed once the tasks are drained, so no replica takes them over early.
  stack.defer('replica record', () => deadline.bounded('replica record', () => stores.tasks.removeReplica(replicaId).catch(() => undefined)));
  const tracing = given.tracing ?? createTracing({ serviceName: 'agentmesh-runtime', logger: log, ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}), semconvStabilityOptIn: config.semconvStabilityOptIn });
  if (!given.tracing) stack.defer('tracing', () => tracing.shutdown());
  const guard = createSsrfGuard({ allowHttp: config.dev, allowHosts: config.allowHosts, tracing });
  stack.defer('ssrf guard', () => guard.close());
  const signingKey = await loadSigningKey({ file: join(config.dataDir, 'signing-key.json'), logger: log, generatedLogLevel: config.generatedSecretsLogLevel, ...(config.signingKeyPem ? { privateKeyPem: config.signingKeyPem } : {}) });
  // Before anything serves: a replica whose secret differs from the database's would stall every push it claims.
  await requireDatabaseSecret(pushStore, { file: config.storageSecret === undefined ? secretFile : undefined }, log, Date.now());
  const clientTls = openClientTls(config.clientTls, { logger: log });
  if (clientTls) stack.defer('client tls', () => clientTls.close());
  const taskTraces = tracing.enabled ? new RecentTraces() : undefined;
  return { database, bus, stores, pushStore, replicaId, tracing, taskTraces, guard, signingKey, clientTls };
}

/** Options of {@link buildWorkflowHooks}. */
export interface WorkflowHooksBuild extends Pick<RuntimeBuild, 'config' | 'log' | 'metrics'> {
  backends: RuntimeBackends;
  cards: ServedCards;
  /** The task engine's TaskControl, once it exists (the hooks write to launched tasks only after start). */
  tasks: () => AgentTaskControl;
}

/**
 * The workflow hooks of `workflowHooks`: what `ctx.launchWorkflow` resolves,
 * the outbox kind the push worker delivers launches with, and the callback
 * URLs' keys (derived from the runtime's secret, as the push configs' are).
 */
export function buildWorkflowHooks({ config, backends, cards, tasks, log, metrics }: WorkflowHooksBuild): WorkflowHooks {
  return new WorkflowHooks({
    hooks: config.workflowHooks,
    pushStore: backends.pushStore,
    taskStore: backends.stores.tasks,
    callbackKeys: backends.pushStore.derivedKeys(CALLBACK_KEY_INFO),
    callbackBaseUrl: () => config.workflowCallbackUrl ?? cards.publicUrl,
    tasks,
    logger: log,
    metrics,
  });
}

/** Options of {@link buildPushWorker}. */
export interface PushWorkerOptions extends RuntimeBuild {
  backends: RuntimeBackends;
  cards: ServedCards;
  /** Delivers the workflow launches of the outbox. */
  hooks: WorkflowHooks;
}

/** The push delivery worker (started by listen()); stopped once the servers drained. */
export function buildPushWorker({ config, backends, cards, hooks, metrics, log, now, deadline, stack }: PushWorkerOptions): PushDeliveryWorker {
  const push = new PushDeliveryWorker({
    taskStore: backends.stores.tasks,
    pushStore: backends.pushStore,
    guard: backends.guard,
    signer: createPushSigner({ key: backends.signingKey }),
    logger: log,
    metrics,
    replicaId: backends.replicaId,
    agentBaseUrl: () => cards.publicUrl,
    tracing: backends.tracing,
    taskTraces: backends.taskTraces,
    retryWindowMs: config.pushRetryWindowMs,
    secretIsCurrent: () => backends.pushStore.secretOpensCanary(),
    kinds: new Map([[WORKFLOW_HOOK_PROTOCOL, hooks.kind]]),
    now,
  });
  stack.defer('push worker', () => deadline.bounded('push worker', () => push.stop()));
  return push;
}

/** Options of {@link buildRuntimeHttp}. */
export interface RuntimeHttpOptions extends Pick<RuntimeBuild, 'config' | 'metrics' | 'deadline' | 'stack'> {
  /** The logger requests log to: the root one, not the runtime's child (requests carry their own bindings). */
  logger: Logger;
  backends: RuntimeBackends;
  grpc: GrpcSlot;
}

/** The HTTP server, agents not yet mounted; drained beside the gRPC servers once the task engine stopped. */
export function buildRuntimeHttp({ config, logger, metrics, backends, grpc, deadline, stack }: RuntimeHttpOptions): FastifyInstance {
  const app = buildHttpServer({
    name: 'runtime',
    version: VERSION,
    logger,
    metrics,
    tracing: backends.tracing,
    bodyLimitBytes: config.bodyLimitBytes,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    halfClose: config.halfClose,
    // A2A calls are bounded by skill timeouts and the client's connection; a
    // server-wide handler timeout would cut long blocking SendMessage calls and
    // costs ~7% of a request (timer, AbortController, DOMException).
    handlerTimeoutMs: 0,
    // Request identity travels in each call (CallInfo.log, traceparent) instead:
    // an active AsyncLocalStorage costs a hook on every promise (10–15% of a request).
    asyncContext: false,
    tls: config.tls,
    readiness: storageReadiness(backends),
  });
  // HTTP and gRPC drain side by side, under the same deadline.
  stack.defer('servers', () => Promise.all([closeHttpServer(app, deadline.remainingMs(1)), grpc.serving?.close(deadline.at())]));
  return app;
}

/** Options of {@link buildEngine}. */
export interface EngineOptions extends RuntimeBuild {
  agents: readonly AgentDefinition[];
  backends: RuntimeBackends;
  configs: AgentConfigs;
  hooks: WorkflowHooks;
}

/** The task engine, counting settled tasks; shut down first at close (final task writes), under the drain deadline. */
export function buildEngine({ agents, config, backends, configs, hooks, metrics, log, now, watchNow, deadline, stack }: EngineOptions): TaskEngine {
  const tasksSettled = metrics.counter('agentmesh_runtime_tasks_total', 'Tasks that reached a terminal or interrupted state', ['agent', 'skill', 'state']);
  const taskSeconds = metrics.histogram('agentmesh_runtime_task_duration_seconds', 'Time from submission to the end of a task', ['agent', 'skill'], [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120, 600]);
  const settledChildren = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const replies = metrics.counter('agentmesh_runtime_message_replies_total', 'Messages a skill answered with instead of a task (ADR 0034)', ['agent', 'skill']);
  const replyChildren = new Map<string, { inc(): void }>();
  const engine = new TaskEngine({
    agents: new Map(agents.map((a) => [a.name, a])),
    store: backends.stores.tasks,
    bus: backends.bus,
    logger: log,
    replicaId: backends.replicaId,
    maxConcurrentTasks: config.maxConcurrentTasks,
    queueLimit: config.queueLimit,
    skillTimeoutMs: config.skillTimeoutMs,
    dedupeMessageIds: config.dedupeMessageIds,
    answerConfirmMs: config.answerConfirmMs,
    now,
    watchNow,
    configOf: (agent) => configs.get(agent),
    workflows: hooks,
    ...(backends.tracing.enabled && { tracer: backends.tracing.tracer, taskTraces: backends.taskTraces, genAiSpans: backends.tracing.genAi }),
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
    onReplied: (agent, skill) => {
      const key = `${agent} ${skill}`;
      let child = replyChildren.get(key);
      if (child === undefined) {
        child = replies.labels({ agent, skill });
        replyChildren.set(key, child);
      }
      child.inc();
    },
  });
  // One deadline for the whole drain: final task writes first, then open requests with what is left.
  stack.defer('task engine', () => engine.shutdown({ deadlineMs: deadline.remainingMs() }));
  return engine;
}

/** What each agent's routes are served with. */
export interface AgentMount extends Pick<RuntimeBuild, 'config' | 'log'> {
  app: FastifyInstance;
  agents: readonly AgentDefinition[];
  engine: TaskEngine;
  backends: RuntimeBackends;
  cards: ServedCards;
  authenticate: Authenticate | undefined;
  hooks: WorkflowHooks;
}

/**
 * Mounts each agent at `/agents/{name}/` (a single agent also at the root),
 * all of them over ACP at `/acp/`, and the signing key's JWKS; returns the agents as the gRPC servers serve them.
 */
export async function mountAgents(mount: AgentMount): Promise<GrpcAgent[]> {
  const { app, agents, engine, backends, cards, config, log } = mount;
  if (config.gatewayJwksUrl !== undefined && config.requireGatewayAssertion === false) {
    log.warn('requireGatewayAssertion is false: the agents answer direct calls that skip the gateway (credits, audit); development only');
  }
  const gatewayCheck = config.gatewayJwksUrl ? createGatewayAssertionCheck({ jwksUrl: config.gatewayJwksUrl, issuer: config.gatewayIssuer, required: gatewayAssertionRequired(config), tls: backends.clientTls }) : undefined;
  const grpcAgents: GrpcAgent[] = [];
  const acpAgents: AcpAgent[] = [];
  for (const agent of agents) {
    const handler = new AgentRequestHandler({
      agent,
      engine,
      store: backends.stores.tasks,
      push: backends.pushStore,
      bus: backends.bus,
      card: () => cards.current(agent.name).card,
      extendedCard: () => cards.extended(agent.name)?.card,
      urlGuard: backends.guard,
    });
    const routes = {
      handler,
      card: () => cards.ensure(agent),
      authenticate: mount.authenticate ?? gatewayCheck?.forAgent(agent.name) ?? anonymous,
      sse: { heartbeatMs: config.sseHeartbeatMs, onDrain: (close: () => void) => onDrain(app, close) },
      bodyLimitBytes: config.bodyLimitBytes,
    };
    grpcAgents.push({ name: agent.name, handler, authenticate: routes.authenticate });
    acpAgents.push({ handler, authenticate: routes.authenticate, card: () => cards.current(agent.name).card });
    // Cards must exist before the first A2A call: handlers read them synchronously.
    app.addHook('onReady', async () => {
      await routes.card();
    });
    await app.register(async (scope) => registerAgentRoutes(scope, routes), { prefix: `/agents/${agent.name}` });
    if (agents.length === 1) await app.register(async (scope) => registerAgentRoutes(scope, routes));
  }
  // Every agent over ACP too, on the same handlers (docs/acp.md).
  const sse = { heartbeatMs: config.sseHeartbeatMs, onDrain: (close: () => void) => onDrain(app, close) };
  await app.register(async (scope) => registerAcpRoutes(scope, { agents: acpAgents, store: backends.stores.tasks, sse, bodyLimitBytes: config.bodyLimitBytes, baseUrl: () => `${cards.publicUrl.replace(/\/$/, '')}${ACP_PREFIX}` }), { prefix: ACP_PREFIX });
  app.get('/.well-known/jwks.json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(backends.signingKey.jwks()));
  // Engines end the tasks that launched their workflows here; the signed URL is the credential (docs/integrations.md).
  await registerWorkflowCallbackRoute(app, { hooks: mount.hooks, bodyLimitBytes: config.bodyLimitBytes });
  return grpcAgents;
}

/** Options of {@link startGrpc}. */
export interface StartGrpcOptions extends Pick<RuntimeBuild, 'config' | 'metrics' | 'log'> {
  /** The port the config names (`grpcPort`), known to be set. */
  grpcPort: number;
  agents: GrpcAgent[];
  grpc: GrpcSlot;
  cards: ServedCards;
}

/** Starts each agent's gRPC server and lists its target on the public URL's host, the host callers already reach the agent at. */
export async function startGrpc({ config, grpcPort, agents, grpc, cards, metrics, log }: StartGrpcOptions): Promise<void> {
  // Loaded only here: a runtime without gRPC never imports grpc-js (CONTRIBUTING.md, "Load what you use").
  const { startGrpcServers } = await import('./transports/grpc-server.js');
  grpc.serving = await startGrpcServers({ agents, host: config.host, port: grpcPort, maxMessageBytes: config.bodyLimitBytes, logger: log, metrics });
  const host = new URL(cards.publicUrl).hostname;
  for (const [name, grpcPort] of Object.entries(grpc.serving.ports)) cards.grpcUrls.set(name, `${host}:${grpcPort}`);
}

/** What the background work of a listening runtime runs on. */
export interface Background extends Pick<RuntimeBuild, 'config' | 'log' | 'now' | 'stack'> {
  backends: RuntimeBackends;
  engine: TaskEngine;
  push: PushDeliveryWorker;
  running: { set(value: number): void };
  recoverNow: () => Promise<unknown>;
  /** What this replica hosts, written with its heartbeat (see replica-hosts.ts). */
  hosts: string;
}

/** Heartbeats, recovery, the running-tasks gauge, retention and push delivery; the timers stop before the engine drains. */
export async function startBackground(work: Background): Promise<void> {
  const { backends, engine, push, running, recoverNow, hosts, config, log, now, stack } = work;
  const { tasks } = backends.stores;
  const timers: NodeJS.Timeout[] = [];
  stack.defer('timers', () => {
    for (const t of timers) clearInterval(t);
  });
  const every = (ms: number, fn: () => Promise<unknown>) => {
    const t = setInterval(() => {
      fn().catch((err) => log.warn({ err }, 'background task failed'));
    }, ms);
    t.unref();
    timers.push(t);
  };
  every(config.heartbeatMs, () => tasks.heartbeat(backends.replicaId, now(), hosts));
  every(Math.max(1000, Math.floor(config.replicaTtlMs / 2)), recoverNow);
  every(Math.max(1000, config.sseHeartbeatMs), async () => running.set(engine.activeRuns));
  if (config.retentionMs > 0) every(10 * 60_000, () => tasks.prune(now() - config.retentionMs, 1000));
  // Configs stored in clear by an earlier version are sealed before the worker reads them.
  const sealed = await backends.pushStore.sealExisting();
  if (sealed > 0) log.info({ sealed }, 'sealed push configs stored in clear by an earlier version');
  // Configs stored before origins were recorded join their receiver's backoff (ADR 0027).
  const recorded = await backends.pushStore.recordOrigins();
  if (recorded > 0) log.info({ recorded }, 'recorded the webhook origins of push configs stored by an earlier version');
  push.start();
  void recoverNow().catch((err) => log.warn({ err }, 'startup recovery failed'));
}

/**
 * The metadata an agent registers: its `registry` block, with each skill's
 * input and output JSON Schemas added where the block does not give them, so
 * the registry (and the console's Try it form, docs/console.md#try-it) show what the runtime
 * validates. An agent without a `registry` block sends none: the registry
 * keeps what it has.
 */
export function registryMetadataOf(agent: AgentDefinition): Readonly<Record<string, unknown>> | undefined {
  if (agent.registry === undefined) return undefined;
  const given = (agent.registry as { skills?: Record<string, Record<string, unknown>> }).skills ?? {};
  const skills: Record<string, Record<string, unknown>> = {};
  for (const [id, skill] of Object.entries(given)) skills[id] = skill;
  // The registration must not fail for its schemas' sake (the registry's body limit is 1 MiB): a schema
  // that is no object (the registry's rule) or past these sizes stays with the runtime, which still checks it.
  let budget = MAX_SCHEMAS_BYTES;
  const shared = (schema: unknown): boolean => {
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return false;
    const bytes = JSON.stringify(schema).length;
    if (bytes > MAX_SCHEMA_BYTES || bytes > budget) return false;
    budget -= bytes;
    return true;
  };
  for (const [id, { definition }] of agent.skills) {
    const inputSchema = definition.input !== undefined && shared(definition.input) ? definition.input : undefined;
    const outputSchema = definition.output !== undefined && shared(definition.output) ? definition.output : undefined;
    if (inputSchema === undefined && outputSchema === undefined) continue;
    // What the block says wins over the definition's schemas.
    skills[id] = { ...(inputSchema !== undefined && { inputSchema }), ...(outputSchema !== undefined && { outputSchema }), ...(Object.hasOwn(given, id) ? given[id] : {}) };
  }
  return { ...agent.registry, ...(Object.keys(skills).length > 0 && { skills }) };
}

/** A skill schema registered at most this large (JSON characters), and all of an agent's together. */
const MAX_SCHEMA_BYTES = 64 * 1024;
const MAX_SCHEMAS_BYTES = 256 * 1024;

/** Options of {@link linkRegistry}. */
export interface RegistryLinkOptions extends Pick<RuntimeBuild, 'config' | 'log' | 'stack'> {
  /** The registry the config names (`registryUrl`), known to be set. */
  registryUrl: string;
  agents: readonly AgentDefinition[];
  configs: AgentConfigs;
  cards: ServedCards;
  backends: Pick<RuntimeBackends, 'tracing' | 'clientTls'>;
}

/**
 * Registers the agents in the registry (`registryUrl`) and follows their
 * configs; out of rotation first at close, so routers stop sending work
 * before the drain starts.
 */
export async function linkRegistry({ config, registryUrl, agents, configs, cards, backends, log, stack }: RegistryLinkOptions): Promise<void> {
  const registry = createRegistryLink({
    registryUrl,
    token: config.registryToken,
    leaseTtlMs: config.registryLeaseTtlMs,
    region: config.registryRegion,
    configs,
    tracing: backends.tracing,
    logger: log,
    tls: backends.clientTls,
    agents: agents.map((agent) => ({
      name: agent.name,
      // The JSON served at the card URL, signature included: the registry verifies what callers will fetch.
      card: () => JSON.parse(cards.current(agent.name).json) as unknown,
      version: cards.current(agent.name).card.version || undefined,
      metadata: registryMetadataOf(agent),
      url: cards.baseUrlOf(agent),
      capacity: agent.maxConcurrentTasks ?? config.maxConcurrentTasks,
    })),
  });
  stack.defer('registry link', () => registry.close());
  // Bounded: a registry that is down delays serving by at most a moment, then retries behind.
  await registry.start();
}
