import type { OrchestratorConfigInput } from '../../compose/index.js';
import { runtimeConfigFromEnv } from './runtime-config-from-env.js';

/** Flags of `agentmesh serve orchestrator` (and the orchestrator part of `up`). */
export interface OrchestratorFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  dev?: boolean;
  /** A folder of workflow files offered as skills. */
  workflows?: string;
}

/**
 * The orchestrator's configuration from env and flags (flags win). The
 * orchestrator is an agent hosted by the runtime, so every runtime variable
 * applies to it too (DATABASE_URL, REDIS_URL, REGISTRY_URL self-registration,
 * GATEWAY_JWKS_URL, AGENTMESH_REQUIRE_GATEWAY…); only its port has a variable
 * of its own, ORCHESTRATOR_PORT, so one environment can serve every role.
 */
export function orchestratorConfigFromEnv(env: Record<string, string | undefined>, flags: OrchestratorFlags): OrchestratorConfigInput {
  const ownPort = env['ORCHESTRATOR_PORT'];
  if (flags.port === undefined && ownPort !== undefined && ownPort !== '' && !/^\d+$/.test(ownPort)) throw new Error(`ORCHESTRATOR_PORT must be a non-negative integer, got ${JSON.stringify(ownPort)}`);
  const portFlag = flags.port ?? (ownPort || undefined);
  const runtime = runtimeConfigFromEnv(env, { ...flags, ...(portFlag !== undefined && { port: portFlag }) });
  const config: OrchestratorConfigInput = { runtime };
  if (env['ORCHESTRATOR_NAME']) config.name = env['ORCHESTRATOR_NAME'];
  if (env['GATEWAY_URL']) config.gatewayUrl = env['GATEWAY_URL'];
  if (env['ORCHESTRATOR_CLIENT_ID']) config.clientId = env['ORCHESTRATOR_CLIENT_ID'];
  if (env['ORCHESTRATOR_CLIENT_SECRET']) config.clientSecret = env['ORCHESTRATOR_CLIENT_SECRET'];
  if (env['REGISTRY_URL']) config.registryUrl = env['REGISTRY_URL'];
  const workflowsDir = flags.workflows ?? env['WORKFLOWS_DIR'];
  if (workflowsDir) config.workflowsDir = workflowsDir;
  const conversations = env['ORCHESTRATOR_CONVERSATIONS'];
  if (conversations !== undefined && conversations !== '') {
    if (conversations !== 'memory' && conversations !== 'database') throw new Error(`ORCHESTRATOR_CONVERSATIONS must be memory or database, got ${JSON.stringify(conversations)}`);
    config.conversations = conversations;
  }
  // Optional model routing: only when an endpoint and a model are both named.
  const modelUrl = env['ORCHESTRATOR_ROUTER_MODEL_URL'];
  const model = env['ORCHESTRATOR_ROUTER_MODEL'];
  if ((modelUrl || model) && !(modelUrl && model)) throw new Error('ORCHESTRATOR_ROUTER_MODEL_URL and ORCHESTRATOR_ROUTER_MODEL go together: set both, or neither');
  if (modelUrl && model) {
    const modelTimeout = env['ORCHESTRATOR_ROUTER_MODEL_TIMEOUT_MS'];
    if (modelTimeout !== undefined && modelTimeout !== '' && (!/^\d+$/.test(modelTimeout) || Number(modelTimeout) === 0)) throw new Error(`ORCHESTRATOR_ROUTER_MODEL_TIMEOUT_MS must be a positive integer (milliseconds), got ${JSON.stringify(modelTimeout)}`);
    config.routerModel = { url: modelUrl, model, ...(env['ORCHESTRATOR_ROUTER_MODEL_KEY'] ? { apiKey: env['ORCHESTRATOR_ROUTER_MODEL_KEY'] } : {}), ...(modelTimeout ? { timeoutMs: Number(modelTimeout) } : {}) };
  }
  const timeout = env['WORKFLOW_TIMEOUT_MS'];
  if (timeout !== undefined && timeout !== '') {
    if (!/^\d+$/.test(timeout) || Number(timeout) === 0) throw new Error(`WORKFLOW_TIMEOUT_MS must be a positive integer (milliseconds), got ${JSON.stringify(timeout)}`);
    config.runTimeoutMs = Number(timeout);
  }
  return config;
}
