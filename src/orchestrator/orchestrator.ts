import type { Logger } from 'pino';
import { createLogger, createMetrics, createTracing, tracedFetch, type Metrics, type Tracing } from '../observability/index.js';
import type { AgentDefinition } from '../contracts/agent/index.js';
import { createDatabase, type Bus, type Database } from '../storage/index.js';
import { createOutboundPool, databaseOptionsOf, fetchThrough, openClientTls, type ClientTlsSettings, type DisposerStack, type InProcessServers, type OutboundPool } from '../http/index.js';
import { createAgentCaller, type AgentCaller } from './calls/index.js';
import { CallFailure } from './calls/call-failure.js';
import { GatewayTokenSource } from './calls/gateway-token-source.js';
import { Errors } from '../protocol/index.js';
import { parseOrchestratorConfig, type HostSettings, type OrchestratorConfig, type OrchestratorConfigInput } from './config.js';
import type { ResolveTarget } from './engine/run-execution.js';
import { RunStore } from './engine/run-store.js';
import { RunGrants } from './engine/run-grants.js';
import { loadGrantSealingKeys } from './engine/grant-sealing-keys.js';
import { DelegationGrantClient } from './calls/delegation-grant-client.js';
import { WorkflowEngine } from './engine/workflow-engine.js';
import { WorkflowMetrics } from './engine/workflow-metrics.js';
import { createInstanceDirectory } from './instance-directory.js';
import { createOrchestratorAgent, workflowStarter } from './orchestrator-agent.js';
import { createRouteSkill, MemoryConversationStore, ModelChooser, RegistryReader, routableWorkflow, selectTarget, SqlConversationStore, SqlLearnedRoutes, type ConversationStore } from './router/index.js';
import { loadWorkflowFolder, requiredAgentsOf } from './workflow/index.js';
import type { WorkflowDefinition } from './workflow/workflow-definition.js';

export interface OrchestratorOptions<R extends HostSettings = HostSettings> {
  config: OrchestratorConfigInput<R>;
  logger?: Logger;
  /** Use this database (not closed by the orchestrator). */
  database?: Database;
  /** Use this bus (not closed by the orchestrator). */
  bus?: Bus;
  /** Calls agents this way instead of through the gateway or the registry's instances (tests, benchmarks). */
  caller?: AgentCaller;
  /** Extra workflows offered as skills, beside those of `workflowsDir`. */
  workflows?: WorkflowDefinition[];
  /** Multiplies retry backoffs (tests shorten them). */
  backoffScale?: number;
  /** The metrics registry the runtime and the workflow engine record into (default: a new one, served at `/metrics`). */
  metrics?: Metrics;
  /** Servers of this process (the gateway, the registry) called in memory instead of over loopback (`agentmesh up`; ADR 0015). */
  inProcess?: InProcessServers;
}

/** What {@link planOrchestrator} decides before anything is opened. */
export interface OrchestratorPlan<R extends HostSettings = HostSettings> {
  readonly config: Readonly<OrchestratorConfig<R>>;
  /** The settings of the runtime hosting the agent: its own, on port 4300 unless set, registering with the orchestrator's registry. */
  readonly runtimeConfig: R & { port: number; registryUrl?: string | undefined };
  readonly logger: Logger;
  /** The role's child logger (`component: orchestrator`). */
  readonly log: Logger;
}

/** The orchestrator agent and what its host shares with it, opened on a {@link DisposerStack}. */
export interface OrchestratorAgentParts {
  readonly agent: AgentDefinition;
  readonly engine: WorkflowEngine;
  /** The workflows offered as skills. */
  readonly workflows: readonly WorkflowDefinition[];
  readonly database: Database;
  readonly tracing: Tracing;
  readonly metrics: Metrics;
  /**
   * Run before the host listens (and so registers and answers /ready): client
   * credentials the gateway refuses stop the start, as an orchestrator that
   * routes nothing would otherwise enter rotation.
   */
  beforeListen(): Promise<void>;
}

/**
 * Reads the orchestrator's configuration (refusing one with no way to reach
 * agents) and the settings of the runtime that will host its agent.
 */
export function planOrchestrator<R extends HostSettings>(options: OrchestratorOptions<R>): OrchestratorPlan<R> {
  const config = parseOrchestratorConfig(options.config);
  if (!options.caller && !config.gatewayUrl && !config.registryUrl) {
    throw Errors.orchestratorCannotReachAgents({});
  }
  const runtimeConfig = { port: 4300, ...config.runtime, ...(config.registryUrl && config.runtime.registryUrl === undefined ? { registryUrl: config.registryUrl } : {}) };
  const logger = options.logger ?? createLogger({ level: runtimeConfig.logLevel ?? 'info', format: runtimeConfig.logFormat, name: 'agentmesh' });
  return { config, runtimeConfig, logger, log: logger.child({ component: 'orchestrator' }) };
}

/**
 * The orchestrator role: an A2A agent that routes messages and runs durable
 * workflows over other agents, through the gateway with its own client
 * credentials (or straight to the registry's instances). The runtime hosts
 * it; `createOrchestrator` (`compose/orchestrator.ts`) puts the two together.
 *
 * Reads as a table of contents: each step a named builder below; everything
 * opened is deferred on `stack`, which the caller closes last first.
 */
export async function openOrchestratorAgent<R extends HostSettings>(plan: OrchestratorPlan<R>, options: OrchestratorOptions<R>, stack: DisposerStack): Promise<OrchestratorAgentParts> {
  const { config, runtimeConfig, log } = plan;
  const database = await openDatabase(options, runtimeConfig, stack);
  const tracing = openTracing(runtimeConfig, log, stack);
  const meshPool = openMeshPool(config, log, stack, options.inProcess);
  const meshFetch = meshPool === undefined ? undefined : fetchThrough(meshPool);
  const registry = config.registryUrl ? new RegistryReader({ url: config.registryUrl, fetch: meshFetch }) : undefined;
  const caller = options.caller ?? buildCaller(config, log, stepFetch(tracing, meshPool), meshPool);
  const workflows = await loadWorkflows(config, options, log);
  const metrics = options.metrics ?? createMetrics({});
  const store = new RunStore(database.db);
  const grants = await openRunGrants(config, runtimeConfig, options, store, stepFetch(tracing, meshPool) ?? meshFetch, log);
  const engine = new WorkflowEngine({
    store,
    ...(grants !== undefined && { grants }),
    caller,
    resolveTarget: targetResolver(config, registry),
    logger: log,
    metrics: new WorkflowMetrics({ metrics, registered: workflows.map((w) => w.name) }),
    ...(options.backoffScale !== undefined ? { backoffScale: options.backoffScale } : {}),
  });
  const conversations = openConversations(config, database, log, stack);
  const agent = buildAgent(config, engine, workflows, caller, registry, meshFetch, conversations, new SqlLearnedRoutes({ db: database.db }));
  return {
    agent,
    engine,
    workflows,
    database,
    tracing,
    metrics,
    async beforeListen() {
      if (!options.caller && config.gatewayUrl) await checkGatewayCredentials(config, meshFetch ?? fetch, log);
    },
  };
}

/**
 * Runs' delegation grants, when calls go through the gateway with the
 * orchestrator's own client (docs/adr/0042-durable-delegation-grants.md): what
 * lets a run outlive its caller's token and a restart.
 */
async function openRunGrants(config: OrchestratorConfig, host: HostSettings, options: OrchestratorOptions<HostSettings>, store: RunStore, fetchImpl: typeof fetch | undefined, log: Logger): Promise<RunGrants | undefined> {
  if (options.caller !== undefined || !config.gatewayUrl) return undefined;
  const keys = await loadGrantSealingKeys({ secret: host.storageSecret, previousSecret: host.previousStorageSecret, dataDir: host.dataDir, logger: log });
  const client = new DelegationGrantClient({ gatewayUrl: config.gatewayUrl, clientId: config.clientId!, clientSecret: config.clientSecret!, fetch: fetchImpl ?? fetch, requestTimeoutMs: 30_000 });
  return new RunGrants({ client, store, keys, logger: log.child({ module: 'grants' }) });
}

/** The store: the one given (the caller closes it), or one opened here. */
async function openDatabase(options: OrchestratorOptions<HostSettings>, runtimeConfig: HostSettings, stack: DisposerStack): Promise<Database> {
  if (options.database !== undefined) return options.database;
  const database = await createDatabase(databaseOptionsOf(runtimeConfig));
  stack.defer('database', () => database.close());
  return database;
}

/**
 * The role's tracing, shared with the runtime hosting its agent: spans carry
 * `service.name` agentmesh-orchestrator. Shut down after the runtime (the
 * stack closes last first), so the spans of the last runs are flushed.
 */
function openTracing(host: Pick<HostSettings, 'otlpEndpoint' | 'semconvStabilityOptIn'>, log: Logger, stack: DisposerStack): Tracing {
  const { otlpEndpoint } = host;
  const tracing = createTracing({ serviceName: 'agentmesh-orchestrator', logger: log, ...(otlpEndpoint ? { otlpEndpoint } : {}), semconvStabilityOptIn: host.semconvStabilityOptIn });
  stack.defer('tracing', () => tracing.shutdown());
  return tracing;
}

/**
 * How steps' calls go out: each a CLIENT span, child of the skill running the
 * step, whose id the gateway sees as its parent (one trace per user call).
 */
function stepFetch(tracing: Tracing, meshPool: OutboundPool | undefined): typeof fetch | undefined {
  if (!tracing.enabled) return undefined;
  if (meshPool === undefined) return (input, init) => tracedFetch(tracing, input as string | URL | Request, init);
  return fetchThrough(meshPool, { tracing });
}

/**
 * The connection pool for the mesh's own services: when the gateway and the
 * registry require mutual TLS (the runtime's clientTls), child calls, tokens
 * and registry reads present the certificate; services of this process are
 * reached in memory; otherwise none (the default fetch).
 */
function openMeshPool(config: OrchestratorConfig, log: Logger, stack: DisposerStack, inProcess: InProcessServers | undefined): OutboundPool | undefined {
  const tls = openClientTls(config.runtime.clientTls as ClientTlsSettings | undefined, { logger: log });
  if (!tls && !inProcess) return undefined;
  if (tls) stack.defer('client certificate watch', () => tls.close());
  const pool = createOutboundPool({ tls, inProcess });
  stack.defer('mesh connection pool', () => pool.close());
  return pool;
}

/** How steps reach agents: through the gateway with the orchestrator's own credentials, or straight to the registry's instances. */
/**
 * Asks the gateway for a token once, at start: client credentials it refuses
 * (`invalid_client`: a wrong secret, a revoked client) stop the start, naming
 * the settings to fix, instead of an orchestrator that reports ready, enters
 * rotation and fails every call it routes. A gateway that cannot be reached
 * yet (or answers 5xx/429) does not: it may be starting too, and calls retry.
 */
async function checkGatewayCredentials(config: OrchestratorConfig, fetchImpl: typeof fetch, log: Logger): Promise<void> {
  const tokens = new GatewayTokenSource({ tokenUrl: `${config.gatewayUrl}/oauth/token`, clientId: config.clientId!, clientSecret: config.clientSecret!, fetch: fetchImpl, requestTimeoutMs: 10_000 });
  try {
    await tokens.get();
  } catch (err) {
    if (err instanceof CallFailure && !err.transient) {
      throw Errors.orchestratorCredentialsRefused({ reason: err.message, clientId: String(config.clientId), gateway: String(config.gatewayUrl) }, { cause: err });
    }
    log.warn({ err, gateway: config.gatewayUrl }, 'could not check the client credentials with the gateway yet; starting, calls will retry');
  }
}

/**
 * The caller of child agents: through the mesh pool (or undici's global
 * one) when calls are not traced; a traced call is a CLIENT span made
 * around fetch, so with tracing on, calls go through the traced fetch.
 */
function buildCaller(config: OrchestratorConfig, log: Logger, tracedFetch: typeof fetch | undefined, meshPool: OutboundPool | undefined): AgentCaller {
  const transport = tracedFetch !== undefined ? { fetch: tracedFetch } : meshPool !== undefined ? { dispatcher: meshPool } : {};
  const registryFetch = meshPool === undefined ? undefined : fetchThrough(meshPool);
  return createAgentCaller({
    logger: log,
    ...transport,
    ...(config.gatewayUrl ? { gatewayUrl: config.gatewayUrl, credentials: { clientId: config.clientId!, clientSecret: config.clientSecret! } } : { directUrl: createInstanceDirectory(config.registryUrl!, undefined, tracedFetch ?? registryFetch) }),
  });
}

/** A step's target: an agent named outright, or the registry's best match for a skill or tags. */
function targetResolver(config: OrchestratorConfig, registry: RegistryReader | undefined): ResolveTarget {
  return async (target, onBehalfOf) => {
    if (target.agent !== undefined && target.skill === undefined && target.tags === undefined) return { agent: target.agent };
    if (!registry) {
      if (target.agent !== undefined) return { agent: target.agent, ...(target.skill ? { skill: target.skill } : {}) };
      throw Errors.workflowCallBySkillNeedsRegistry({ skill: String(target.skill) });
    }
    const chosen = await selectTarget({ registry, self: config.name, text: '', route: target, tenant: onBehalfOf.tenant });
    return { agent: chosen.agent, ...(chosen.skill ? { skill: chosen.skill } : {}) };
  };
}

/** The workflows offered as skills: those given, then the folder's (a file that does not validate is logged and skipped). */
async function loadWorkflows(config: OrchestratorConfig, options: OrchestratorOptions<HostSettings>, log: Logger): Promise<WorkflowDefinition[]> {
  const workflows = [...(options.workflows ?? [])];
  if (config.workflowsDir) {
    const folder = await loadWorkflowFolder(config.workflowsDir);
    for (const { file, error } of folder.errors) log.error({ file, err: error }, 'workflow file skipped: it does not validate');
    workflows.push(...folder.workflows);
  }
  return workflows;
}

/** How often idle router conversations are deleted from the database, ms. */
const CONVERSATION_SWEEP_MS = 10 * 60_000;

/**
 * The router's conversation map: in the database when configured, and by
 * default on PostgreSQL, where replicas must share it (a follow-up may land
 * on any of them); in memory otherwise (one process, nothing to share).
 */
function openConversations(config: OrchestratorConfig, database: Database, log: Logger, stack: DisposerStack): ConversationStore {
  const where = config.conversations ?? (database.dialect === 'postgres' ? 'database' : 'memory');
  if (where === 'memory') return new MemoryConversationStore();
  const store = new SqlConversationStore({ db: database.db });
  const timer = setInterval(() => {
    store.sweep().catch((err: unknown) => log.warn({ err }, 'could not delete idle router conversations'));
  }, CONVERSATION_SWEEP_MS);
  timer.unref();
  stack.defer('router conversation sweep', () => clearInterval(timer));
  return store;
}

/**
 * Before a run: every agent the workflow names outright must be in the
 * registry, or the run is refused with their names before any step runs (a
 * run would otherwise charge its first steps, then fail at the missing one).
 */
function agentsChecker(registry: RegistryReader): (workflow: WorkflowDefinition) => Promise<void> {
  return async (workflow) => {
    const named = requiredAgentsOf(workflow);
    const found = await Promise.all(named.map((name) => registry.agent(name)));
    const missing = named.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return;
    throw Errors.workflowNeedsUnlistedAgents({ workflow: workflow.name, agents: missing.map((m) => `agent '${m}'`).join(', '), them: missing.length === 1 ? 'it' : 'them' });
  };
}

/** The orchestrator agent: its workflows as skills, and the router skill when a registry is known. */
function buildAgent(config: OrchestratorConfig, engine: WorkflowEngine, workflows: WorkflowDefinition[], caller: AgentCaller, registry: RegistryReader | undefined, meshFetch: typeof fetch | undefined, store: ConversationStore, learned: SqlLearnedRoutes) {
  const hasRegistry = registry !== undefined;
  const anonymousTenant = config.anonymousTenant ?? (config.gatewayUrl ? undefined : 'default');
  const checkAgents = registry === undefined ? undefined : agentsChecker(registry);
  // The router may start the orchestrator's own workflows when a request fits one (docs/orchestrator.md#routing).
  const startWorkflow = workflowStarter({ engine, workflows, ...(anonymousTenant ? { anonymousTenant } : {}), ...(checkAgents && { checkAgents }) });
  return createOrchestratorAgent({
    name: config.name,
    engine,
    workflows,
    ...(checkAgents && { checkAgents }),
    runTimeoutMs: config.runTimeoutMs,
    ...(anonymousTenant ? { anonymousTenant } : {}),
    ...(hasRegistry
      ? {
          routeSkill: createRouteSkill({
            caller,
            registryUrl: config.registryUrl!,
            registryFetch: meshFetch,
            self: config.name,
            store,
            learned,
            workflows: workflows.map(routableWorkflow),
            startWorkflow,
            ...(config.routerModel ? { model: new ModelChooser(config.routerModel) } : {}),
            ...(anonymousTenant ? { anonymousTenant } : {}),
          }),
        }
      : {}),
  });
}
