import type { RuntimeConfigInput } from '../../runtime/index.js';
import { envInt, servingFromEnv } from './role-env.js';

/**
 * The runtime configuration from environment variables and flags: the one
 * place env is read for serving (STYLE rule 6). Flags win over env.
 */
export function runtimeConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RuntimeConfigInput {
  // The ports first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'PORT', flags.port ?? env['PORT']);
  // GRPC_PORT set serves the gRPC binding too (off by default).
  const grpcPort = envInt('GRPC_PORT', env['GRPC_PORT']);
  const config: RuntimeConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  if (grpcPort !== undefined) config.grpcPort = grpcPort;
  if (env['PUBLIC_URL']) config.publicUrl = env['PUBLIC_URL'];
  if (env['AGENTMESH_SIGNING_KEY']) config.signingKeyPem = env['AGENTMESH_SIGNING_KEY'];
  if (env['AGENTMESH_SECRET']) config.storageSecret = env['AGENTMESH_SECRET'];
  if (env['AGENTMESH_SECRET_PREVIOUS']) config.previousStorageSecret = env['AGENTMESH_SECRET_PREVIOUS'];
  const retention = envInt('AGENTMESH_RETENTION_MS', env['AGENTMESH_RETENTION_MS']);
  if (retention !== undefined) config.retentionMs = retention;
  const ttl = envInt('AGENTMESH_REPLICA_TTL_MS', env['AGENTMESH_REPLICA_TTL_MS']);
  if (ttl !== undefined) config.replicaTtlMs = ttl;
  const headersTimeout = envInt('AGENTMESH_HEADERS_TIMEOUT_MS', env['AGENTMESH_HEADERS_TIMEOUT_MS']);
  if (headersTimeout !== undefined) config.headersTimeoutMs = headersTimeout;
  const requestTimeout = envInt('AGENTMESH_REQUEST_TIMEOUT_MS', env['AGENTMESH_REQUEST_TIMEOUT_MS']);
  if (requestTimeout !== undefined) config.requestTimeoutMs = requestTimeout;
  const heartbeat = envInt('AGENTMESH_HEARTBEAT_MS', env['AGENTMESH_HEARTBEAT_MS']);
  if (heartbeat !== undefined) config.heartbeatMs = heartbeat;
  if (env['REGISTRY_URL']) config.registryUrl = env['REGISTRY_URL'];
  if (env['GATEWAY_JWKS_URL']) config.gatewayJwksUrl = env['GATEWAY_JWKS_URL'];
  if (env['GATEWAY_ISSUER']) config.gatewayIssuer = env['GATEWAY_ISSUER'];
  // Unset, the runtime requires the assertion whenever GATEWAY_JWKS_URL is set; 0 opts out (development only).
  const requireGateway = env['AGENTMESH_REQUIRE_GATEWAY'];
  if (requireGateway === '1') config.requireGatewayAssertion = true;
  else if (requireGateway === '0') config.requireGatewayAssertion = false;
  else if (requireGateway !== undefined && requireGateway !== '') throw new Error(`AGENTMESH_REQUIRE_GATEWAY must be 1 or 0, got ${JSON.stringify(requireGateway)}`);
  if (env['REGISTRY_TOKEN']) config.registryToken = env['REGISTRY_TOKEN'];
  if (env['REGISTRY_REGION']) config.registryRegion = env['REGISTRY_REGION'];
  const lease = envInt('REGISTRY_LEASE_TTL_MS', env['REGISTRY_LEASE_TTL_MS']);
  if (lease !== undefined) config.registryLeaseTtlMs = lease;
  return config;
}
