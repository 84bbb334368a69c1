import type { RegistryConfigInput } from '../../registry/index.js';
import { databaseFromEnv, envInt, probeFromEnv, tlsFromEnv } from './role-env.js';

/** Registry configuration from env and flags (flags win). */
export function registryConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RegistryConfigInput {
  const config: RegistryConfigInput = {};
  const port = envInt(flags.port !== undefined ? '--port' : 'REGISTRY_PORT', flags.port ?? env['REGISTRY_PORT'] ?? env['PORT']);
  if (port !== undefined) config.port = port;
  const host = flags.host ?? env['HOST'];
  if (host) config.host = host;
  const dataDir = flags.dataDir ?? env['AGENTMESH_DATA_DIR'];
  if (dataDir) config.dataDir = dataDir;
  if (env['REGISTRY_PUBLIC_URL']) config.publicUrl = env['REGISTRY_PUBLIC_URL'];
  Object.assign(config, databaseFromEnv(env));
  Object.assign(config, tlsFromEnv(env));
  Object.assign(config, probeFromEnv(env));
  if (env['REDIS_URL']) config.redisUrl = env['REDIS_URL'];
  if (env['LOG_LEVEL']) config.logLevel = env['LOG_LEVEL'] as RegistryConfigInput['logLevel'];
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT']) config.otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (env['REGISTRY_TOKEN']) config.writeToken = env['REGISTRY_TOKEN'];
  if (env['REGISTRY_PUBLISHER']) config.publisher = env['REGISTRY_PUBLISHER'];
  if (env['AGENTMESH_ALLOW_HOSTS']) config.allowHosts = env['AGENTMESH_ALLOW_HOSTS'].split(',').map((h) => h.trim()).filter(Boolean);
  const probe = envInt('REGISTRY_PROBE_INTERVAL_MS', env['REGISTRY_PROBE_INTERVAL_MS']);
  if (probe !== undefined) config.probeIntervalMs = probe;
  const lease = envInt('REGISTRY_LEASE_TTL_MS', env['REGISTRY_LEASE_TTL_MS']);
  if (lease !== undefined) config.defaultLeaseTtlMs = lease;
  if (env['REGISTRY_REQUIRE_SIGNED_CARDS'] === '1') config.requireSignedCards = true;
  if (flags.dev || env['AGENTMESH_DEV'] === '1') config.dev = true;
  return config;
}
