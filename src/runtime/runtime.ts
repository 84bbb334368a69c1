import type { FastifyInstance } from 'fastify';
import { listenUnannounced, localUrlOf, observeDatabase, openWithStack, probeListenerOf } from '../http/index.js';
import { createLogger, createMetrics, type Logger, type Metrics, type Tracing } from '../observability/index.js';
import type { Bus, Database, ReplicaHeartbeat } from '../storage/index.js';
import { parseRuntimeConfig, type RuntimeConfig, type RuntimeConfigInput } from './config.js';
import type { AgentDefinition } from '../contracts/agent/index.js';
import { AgentConfigs, type ConfigChangeListener } from './registration/index.js';
import { buildEngine, buildPushWorker, buildRuntimeHttp, buildWorkflowHooks, linkRegistry, mountAgents, openBackends, startBackground, startGrpc, uniqueAgentNames, type GrpcSlot, type RuntimeBuild } from './runtime-builders.js';
import { ServedCards } from './served-cards.js';
import { ShutdownDeadline } from './shutdown-deadline.js';
import { replicaHostsOf } from './replica-hosts.js';
import type { TaskControl } from './task-control.js';
import type { TaskEngine } from './task-engine.js';
import type { Authenticate } from './transports/call-context.js';

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
   * Use this tracing instead of one built from `otlpEndpoint` (not shut down by
   * the runtime): a role hosting agents under its own service name (the orchestrator).
   */
  tracing?: Tracing;
  /**
   * The clock (epoch ms) of task timestamps, skill deadlines, recovery and push
   * retries. Default `Date.now`. A test passes a fake one to reach a timeout or a
   * retry without waiting for it (agentmesh/testing).
   */
  now?: () => number;
  /**
   * What the start-up log line calls this process (`<role> listening`); default
   * `runtime`. A role hosting its agents on a runtime (the orchestrator) names
   * itself, so its operator does not read of a runtime they never started.
   */
  role?: string;
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
   * `grpcPort` is set; `probesUrl`: the probe listener's when `probePort` is.
   */
  listen(): Promise<{ url: string; agents: Record<string, string>; grpc?: Record<string, string>; probesUrl?: string }>;
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
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, name: 'agentmesh' });
  const log = logger.child({ component: 'runtime' });
  const metrics = options.metrics ?? createMetrics({});
  const names = uniqueAgentNames(options.agents);
  const deadline = new ShutdownDeadline(config.shutdownDeadlineMs, SHUTDOWN_GRACE_MS, log);
  // Closed last-first: registry lease, timers, task engine, HTTP and gRPC servers, push
  // worker, guard, tracing, replica record, bus, database. A start-up step that fails (an
  // unreadable secret or key file) closes what was opened, so the process can exit.
  return openWithStack(async (stack) => {
    const backends = await openBackends({ config, given: options, log, deadline, stack });
    observeDatabase(metrics, backends.database);
    const configs = new AgentConfigs({ agents: options.agents.map((a) => a.name), logger: log });
    const cards = new ServedCards(options.agents, config.publicUrl ?? localUrlOf(config, config.port), config.signCards ? backends.signingKey : undefined);
    // A test's clock drives the heartbeat watch too; else a monotonic one (ADR 0086).
    const build: RuntimeBuild = { config, log, metrics, now, watchNow: options.now ?? (() => performance.now()), deadline, stack };
    // The hooks write to launched tasks through the engine, made below: they only do once the runtime listens.
    const hooks = buildWorkflowHooks({ ...build, backends, cards, tasks: () => engine.tasks() });
    const push = buildPushWorker({ ...build, backends, cards, hooks });
    const grpc: GrpcSlot = {};
    const app = buildRuntimeHttp({ ...build, logger, backends, grpc });
    const probes = probeListenerOf(app, config, log);
    const engine = buildEngine({ ...build, agents: options.agents, backends, configs, hooks });
    const running = metrics.gauge('agentmesh_runtime_tasks_running', 'Tasks executing on this replica', []);
    // Read at each scrape from the agents' concurrency limits: queueing shows the moment it starts, not 15 s later.
    metrics.gauge('agentmesh_runtime_agent_tasks', 'Tasks of each agent on this replica, by state: running (holding a slot) or queued (waiting for one)', ['agent', 'state'], (gauge) => {
      for (const agent of names) {
        const limit = engine.limit(agent);
        if (!limit) continue;
        gauge.set({ agent, state: 'running' }, limit.running);
        gauge.set({ agent, state: 'queued' }, limit.queued);
      }
    });
    metrics.gauge('agentmesh_runtime_agent_max_concurrent_tasks', "Each agent's concurrency limit on this replica (maxConcurrentTasks)", ['agent'], (gauge) => {
      for (const agent of names) {
        const limit = engine.limit(agent);
        if (limit) gauge.set({ agent }, limit.max);
      }
    });
    const grpcAgents = await mountAgents({ app, agents: options.agents, engine, backends, cards, authenticate: options.authenticate, config, log, hooks });
    // A crashed replica's push claims go back with its tasks, not after leases its own clock wrote (ADR 0086).
    const releasePushClaims = async (silent: readonly ReplicaHeartbeat[]) => {
      const released = await backends.pushStore.releaseClaimsOf(silent);
      if (released > 0) log.info({ released, replicas: silent.map((s) => s.id) }, 'push notifications claimed by silent replicas released');
    };
    const recoverNow = async () => engine.recover(config.replicaTtlMs, { giveUpBefore: now() - config.unhostedTaskGiveUpMs, forgetSilentAfterMs: config.unhostedTaskGiveUpMs, onSilent: releasePushClaims });
    // Recorded with each heartbeat: another replica's orphan scan leaves the tasks only this one can run to it.
    const hosts = replicaHostsOf(options.agents);
    return {
      app,
      engine,
      config,
      replicaId: backends.replicaId,
      async listen() {
        await backends.stores.tasks.heartbeat(backends.replicaId, now(), hosts);
        await engine.watchHeartbeats();
        await listenUnannounced(app, { port: config.port, host: config.host });
        const probesUrl = (await probes?.listen())?.url;
        const bound = app.server.address();
        if (!config.publicUrl && typeof bound === 'object' && bound !== null) cards.publicUrl = localUrlOf(config, bound.port);
        if (config.grpcPort !== undefined) await startGrpc({ config, grpcPort: config.grpcPort, agents: grpcAgents, grpc, cards, metrics, log });
        await cards.rebuild(options.agents);
        await startBackground({ ...build, backends, engine, push, running, recoverNow, hosts });
        const agents = Object.fromEntries(options.agents.map((a) => [a.name, cards.baseUrlOf(a)]));
        const grpcUrls = grpc.serving ? Object.fromEntries(cards.grpcUrls) : undefined;
        log.info({ url: cards.publicUrl, agents, ...(grpcUrls ? { grpc: grpcUrls } : {}), replicaId: backends.replicaId, database: backends.database.dialect, bus: backends.bus.kind }, `${options.role ?? 'runtime'} listening`);
        if (config.registryUrl) await linkRegistry({ ...build, registryUrl: config.registryUrl, agents: options.agents, configs, cards, backends });
        return { url: cards.publicUrl, agents, ...(grpcUrls ? { grpc: grpcUrls } : {}), ...(probesUrl !== undefined && { probesUrl }) };
      },
      recoverNow,
      deliverPushNow: () => push.runOnce(),
      onConfigChange: (agent, listener) => configs.subscribe(agent, listener),
      configOf: (agent) => configs.get(agent),
      tasks: (agent) => {
        if (agent !== undefined && !names.has(agent)) throw new Error(`this runtime hosts no agent named ${agent}`);
        return engine.tasks(agent);
      },
      close: () => {
        // The drain's one deadline runs from here (see ShutdownDeadline).
        deadline.at();
        return stack.closeAll();
      },
    };
  }, (err) => log.warn({ err }, 'closing what a failed start opened failed'));
}
