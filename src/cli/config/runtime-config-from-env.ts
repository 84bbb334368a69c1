import type { RuntimeConfigInput } from '../../runtime/index.js';
import { assignEnvChoice, assignEnvInts, assignEnvTexts, envSwitch, portsFromEnv, servingFromEnv } from './role-env.js';

/**
 * The runtime configuration from environment variables and flags: the one
 * place env is read for serving: nothing below `src/cli/` reads it
 * (CONTRIBUTING.md, "Configuration is read once, at the edge"). Flags win over env.
 */
export function runtimeConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RuntimeConfigInput {
  // GRPC_PORT set serves the gRPC binding too (off by default).
  const ports = portsFromEnv(env, flags, ['PORT'], { GRPC_PORT: 'grpcPort' });
  const config: RuntimeConfigInput = { ...servingFromEnv(env, flags), ...ports };
  assignEnvTexts(config, env, {
    PUBLIC_URL: 'publicUrl',
    AGENTMESH_SIGNING_KEY: 'signingKeyPem',
    AGENTMESH_SECRET: 'storageSecret',
    AGENTMESH_SECRET_PREVIOUS: 'previousStorageSecret',
    REGISTRY_URL: 'registryUrl',
    REGISTRY_TOKEN: 'registryToken',
    REGISTRY_REGION: 'registryRegion',
    GATEWAY_JWKS_URL: 'gatewayJwksUrl',
    GATEWAY_ISSUER: 'gatewayIssuer',
  });
  assignEnvInts(config, env, {
    AGENTMESH_RETENTION_MS: 'retentionMs',
    AGENTMESH_REPLICA_TTL_MS: 'replicaTtlMs',
    AGENTMESH_UNHOSTED_TASK_GIVE_UP_MS: 'unhostedTaskGiveUpMs',
    AGENTMESH_ANSWER_CONFIRM_MS: 'answerConfirmMs',
    AGENTMESH_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
    AGENTMESH_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
    AGENTMESH_HEARTBEAT_MS: 'heartbeatMs',
  });
  // Unset, the runtime requires the assertion whenever GATEWAY_JWKS_URL is set; 0 opts out (development only).
  const requireGateway = envSwitch('AGENTMESH_REQUIRE_GATEWAY', env['AGENTMESH_REQUIRE_GATEWAY']);
  if (requireGateway !== undefined) config.requireGatewayAssertion = requireGateway;
  assignEnvInts(config, env, { REGISTRY_LEASE_TTL_MS: 'registryLeaseTtlMs' });
  // Unset, a repeated messageId joins the task it started; 0 treats every message as new.
  const dedupe = envSwitch('AGENTMESH_DEDUPE_MESSAGE_IDS', env['AGENTMESH_DEDUPE_MESSAGE_IDS']);
  if (dedupe !== undefined) config.dedupeMessageIds = dedupe;
  // The hooks hold their secrets: JSON in one variable (or a file, AGENTMESH_WORKFLOW_HOOKS_FILE), checked by the runtime's schema.
  const hooks = env['AGENTMESH_WORKFLOW_HOOKS'];
  if (hooks !== undefined && hooks !== '') {
    try {
      config.workflowHooks = JSON.parse(hooks) as RuntimeConfigInput['workflowHooks'];
    } catch {
      // Not the parser's message: it quotes the text, and the text holds the secrets.
      throw new Error('AGENTMESH_WORKFLOW_HOOKS must be a JSON object of hooks by name: {"followups":{"url":"https://…","secrets":["whsec_…"]}}');
    }
  }
  assignEnvChoice(config, env, 'AGENTMESH_HALF_CLOSE', 'halfClose', ['answer', 'end']);
  if (env['AGENTMESH_WORKFLOW_CALLBACK_URL']) config.workflowCallbackUrl = env['AGENTMESH_WORKFLOW_CALLBACK_URL'];
  return config;
}
