import type { Logger } from 'pino';
import { createLogger, createMetrics, type Metrics } from '../observability/index.js';
import { createRuntime, type Runtime } from '../runtime/index.js';
import { createDatabase, type Bus, type Database } from '../storage/index.js';
import { Agent, buildConnector } from 'undici';
import { databaseOptionsOf, openClientTls, type ClientTlsSettings } from '../http/index.js';
import { createAgentCaller, type AgentCaller } from './calls/index.js';
import { parseOrchestratorConfig, type OrchestratorConfig, type OrchestratorConfigInput } from './config.js';
import type { ResolveTarget } from './engine/run-execution.js';
import { RunStore } from './engine/run-store.js';
import { WorkflowEngine } from './engine/workflow-engine.js';
import { WorkflowMetrics } from './engine/workflow-metrics.js';
import { createInstanceDirectory } from './instance-directory.js';
import { createOrchestratorAgent } from './orchestrator-agent.js';
import { createRouteSkill, RegistryReader, selectTarget } from './router/index.js';
import { loadWorkflowFolder } from './workflow/index.js';
import type { WorkflowDefinition } from './workflow/workflow-definition.js';

export interface OrchestratorOptions {
  config: OrchestratorConfigInput;
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
}

export interface Orchestrator {
  readonly runtime: Runtime;
  readonly engine: WorkflowEngine;
  readonly config: Readonly<OrchestratorConfig>;
  /** The workflows offered as skills. */
  readonly workflows: readonly WorkflowDefinition[];
  /** Starts listening; `url` is the orchestrator agent's base URL. */
  listen(): Promise<{ url: string; baseUrl: string }>;
  close(): Promise<void>;
}

/**
 * The orchestrator role: an A2A agent (hosted by the runtime) that routes
 * messages and runs durable workflows over other agents, through the gateway
 * with its own client credentials (or straight to the registry's instances).
 */
export async function createOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const config = parseOrchestratorConfig(options.config);
  if (!options.caller && !config.gatewayUrl && !config.registryUrl) {
    throw new Error('orchestrator.gatewayUrl needs a value (GATEWAY_URL), or registryUrl (REGISTRY_URL): the orchestrator has no way to reach agents');
  }
  const runtimeConfig = { port: 4300, ...config.runtime, ...(config.registryUrl && config.runtime.registryUrl === undefined ? { registryUrl: config.registryUrl } : {}) };
  const logger = options.logger ?? createLogger({ level: runtimeConfig.logLevel ?? 'info', name: 'agentmesh' });
  const log = logger.child({ component: 'orchestrator' });
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createDatabase(databaseOptionsOf(runtimeConfig)));
  // The gateway and the registry may require mutual TLS (the runtime's clientTls): child calls, tokens and registry reads present the certificate.
  const tls = openClientTls(config.runtime.clientTls as ClientTlsSettings | undefined, { logger: log });
  const pool = tls ? new Agent({ connect: tls.connector({}, buildConnector) }) : undefined;
  // undici's Agent serves the fetch built into Node; only the two copies of its types differ.
  const meshFetch: typeof fetch | undefined = pool ? (input, init) => fetch(input, { ...init, dispatcher: pool } as unknown as RequestInit) : undefined;
  try {
    const registry = config.registryUrl ? new RegistryReader({ url: config.registryUrl, fetch: meshFetch }) : undefined;
    const caller =
      options.caller ??
      createAgentCaller({
        logger: log,
        ...(meshFetch ? { fetch: meshFetch } : {}),
        ...(config.gatewayUrl ? { gatewayUrl: config.gatewayUrl, credentials: { clientId: config.clientId!, clientSecret: config.clientSecret! } } : { directUrl: createInstanceDirectory(config.registryUrl!, undefined, meshFetch) }),
      });
    const resolveTarget: ResolveTarget = async (target, onBehalfOf) => {
      if (target.agent !== undefined && target.skill === undefined && target.tags === undefined) return { agent: target.agent };
      if (!registry) {
        if (target.agent !== undefined) return { agent: target.agent, ...(target.skill ? { skill: target.skill } : {}) };
        throw new Error(`calling by skill (${target.skill}) needs the registry (REGISTRY_URL)`);
      }
      const chosen = await selectTarget({ registry, self: config.name, text: '', route: target, tenant: onBehalfOf.tenant });
      return { agent: chosen.agent, ...(chosen.skill ? { skill: chosen.skill } : {}) };
    };
    const workflows = [...(options.workflows ?? [])];
    if (config.workflowsDir) {
      const folder = await loadWorkflowFolder(config.workflowsDir);
      for (const { file, error } of folder.errors) log.error({ file, err: error }, 'workflow file skipped: it does not validate');
      workflows.push(...folder.workflows);
    }
    const metrics = options.metrics ?? createMetrics({});
    const workflowMetrics = new WorkflowMetrics({ metrics, registered: workflows.map((w) => w.name) });
    const engine = new WorkflowEngine({
      store: new RunStore(database.db),
      caller,
      resolveTarget,
      logger: log,
      metrics: workflowMetrics,
      ...(options.backoffScale !== undefined ? { backoffScale: options.backoffScale } : {}),
    });
    const anonymousTenant = config.anonymousTenant ?? (config.gatewayUrl ? undefined : 'default');
    const agent = createOrchestratorAgent({
      name: config.name,
      engine,
      workflows,
      runTimeoutMs: config.runTimeoutMs,
      ...(anonymousTenant ? { anonymousTenant } : {}),
      ...(registry ? { routeSkill: createRouteSkill({ caller, registryUrl: config.registryUrl!, registryFetch: meshFetch, self: config.name, ...(anonymousTenant ? { anonymousTenant } : {}) }) } : {}),
    });
    const runtime = await createRuntime({ agents: [agent], config: runtimeConfig, logger, database, metrics, ...(options.bus ? { bus: options.bus } : {}) });
    return {
      runtime,
      engine,
      config,
      workflows,
      async listen() {
        const { url, agents } = await runtime.listen();
        return { url: agents[config.name] ?? `${url}/agents/${config.name}`, baseUrl: url };
      },
      async close() {
        await runtime.close();
        await pool?.close();
        tls?.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (err) {
    await pool?.close();
    tls?.close();
    if (ownsDatabase) await database.close();
    throw err;
  }
}
