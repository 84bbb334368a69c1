import type { RuntimeConfigInput } from '../../runtime/index.js';
import { databaseFromEnv, envInt, probeFromEnv, tlsFromEnv } from './role-env.js';

/**
 * The runtime configuration from environment variables and flags: the one
 * place env is read for serving (STYLE rule 6). Flags win over env.
 */
export function runtimeConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RuntimeConfigInput {
  const config: RuntimeConfigInput = {};
  const port = envInt(flags.port !== undefined ? '--port' : 'PORT', flags.port ?? env['PORT']);
  if (port !== undefined) config.port = port;
  // GRPC_PORT set serves the gRPC binding too (off by default).
  const grpcPort = envInt('GRPC_PORT', env['GRPC_PORT']);
  if (grpcPort !== undefined) config.grpcPort = grpcPort;
  const host = flags.host ?? env['HOST'];
  if (host) config.host = host;
  const dataDir = flags.dataDir ?? env['AGENTMESH_DATA_DIR'];
  if (dataDir) config.dataDir = dataDir;
  if (env['PUBLIC_URL']) config.publicUrl = env['PUBLIC_URL'];
  Object.assign(config, databaseFromEnv(env));
  Object.assign(config, tlsFromEnv(env));
  Object.assign(config, probeFromEnv(env));
  if (env['REDIS_URL']) config.redisUrl = env['REDIS_URL'];
  if (env['LOG_LEVEL']) config.logLevel = env['LOG_LEVEL'] as RuntimeConfigInput['logLevel'];
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT']) config.otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (env['AGENTMESH_SIGNING_KEY']) config.signingKeyPem = env['AGENTMESH_SIGNING_KEY'];
  if (env['AGENTMESH_SECRET']) config.storageSecret = env['AGENTMESH_SECRET'];
  if (env['AGENTMESH_SECRET_PREVIOUS']) config.previousStorageSecret = env['AGENTMESH_SECRET_PREVIOUS'];
  if (env['AGENTMESH_ALLOW_HOSTS']) config.allowHosts = env['AGENTMESH_ALLOW_HOSTS'].split(',').map((h) => h.trim()).filter(Boolean);
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
  if (flags.dev || env['AGENTMESH_DEV'] === '1') config.dev = true;
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
