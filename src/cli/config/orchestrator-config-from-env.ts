import type { OrchestratorConfigInput } from '../../compose/index.js';
import { assignEnvTexts, envChoice } from './role-env.js';
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
  assignEnvTexts(config, env, {
    ORCHESTRATOR_NAME: 'name',
    GATEWAY_URL: 'gatewayUrl',
    ORCHESTRATOR_CLIENT_ID: 'clientId',
    ORCHESTRATOR_CLIENT_SECRET: 'clientSecret',
    REGISTRY_URL: 'registryUrl',
  });
  const workflowsDir = flags.workflows ?? env['WORKFLOWS_DIR'];
  if (workflowsDir) config.workflowsDir = workflowsDir;
  const conversations = envChoice('ORCHESTRATOR_CONVERSATIONS', env['ORCHESTRATOR_CONVERSATIONS'], ['memory', 'database']);
  if (conversations !== undefined) config.conversations = conversations;
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
