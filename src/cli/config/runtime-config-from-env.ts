import type { RuntimeConfigInput } from '../../runtime/index.js';
import { assignEnvInts, assignEnvTexts, envChoice, envInt, servingFromEnv } from './role-env.js';

/**
 * The runtime configuration from environment variables and flags: the one
 * place env is read for serving: nothing below `src/cli/` reads it
 * (CONTRIBUTING.md, "Configuration is read once, at the edge"). Flags win over env.
 */
export function runtimeConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RuntimeConfigInput {
  // The ports first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'PORT', flags.port ?? env['PORT']);
  // GRPC_PORT set serves the gRPC binding too (off by default).
  const grpcPort = envInt('GRPC_PORT', env['GRPC_PORT']);
  const config: RuntimeConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  if (grpcPort !== undefined) config.grpcPort = grpcPort;
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
    AGENTMESH_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
    AGENTMESH_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
    AGENTMESH_HEARTBEAT_MS: 'heartbeatMs',
  });
  // Unset, the runtime requires the assertion whenever GATEWAY_JWKS_URL is set; 0 opts out (development only).
  const requireGateway = env['AGENTMESH_REQUIRE_GATEWAY'];
  if (requireGateway === '1') config.requireGatewayAssertion = true;
  else if (requireGateway === '0') config.requireGatewayAssertion = false;
  else if (requireGateway !== undefined && requireGateway !== '') throw new Error(`AGENTMESH_REQUIRE_GATEWAY must be 1 or 0, got ${JSON.stringify(requireGateway)}`);
  assignEnvInts(config, env, { REGISTRY_LEASE_TTL_MS: 'registryLeaseTtlMs' });
  // Unset, a repeated messageId joins the task it started; 0 treats every message as new.
  const dedupe = env['AGENTMESH_DEDUPE_MESSAGE_IDS'];
  if (dedupe === '1') config.dedupeMessageIds = true;
  else if (dedupe === '0') config.dedupeMessageIds = false;
  else if (dedupe !== undefined && dedupe !== '') throw new Error(`AGENTMESH_DEDUPE_MESSAGE_IDS must be 1 or 0, got ${JSON.stringify(dedupe)}`);
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
  const halfClose = envChoice('AGENTMESH_HALF_CLOSE', env['AGENTMESH_HALF_CLOSE'], ['answer', 'end']);
  if (halfClose) config.halfClose = halfClose;
  if (env['AGENTMESH_WORKFLOW_CALLBACK_URL']) config.workflowCallbackUrl = env['AGENTMESH_WORKFLOW_CALLBACK_URL'];
  return config;
}
