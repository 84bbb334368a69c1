import type { RegistryConfigInput } from '../../registry/index.js';
import { envInt, servingFromEnv } from './role-env.js';

/** Registry configuration from env and flags (flags win). */
export function registryConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RegistryConfigInput {
  // The port first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'REGISTRY_PORT', flags.port ?? env['REGISTRY_PORT'] ?? env['PORT']);
  const config: RegistryConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  if (env['REGISTRY_PUBLIC_URL']) config.publicUrl = env['REGISTRY_PUBLIC_URL'];
  if (env['REGISTRY_TOKEN']) config.writeToken = env['REGISTRY_TOKEN'];
  if (env['REGISTRY_PUBLISHER']) config.publisher = env['REGISTRY_PUBLISHER'];
  const probe = envInt('REGISTRY_PROBE_INTERVAL_MS', env['REGISTRY_PROBE_INTERVAL_MS']);
  if (probe !== undefined) config.probeIntervalMs = probe;
  const lease = envInt('REGISTRY_LEASE_TTL_MS', env['REGISTRY_LEASE_TTL_MS']);
  if (lease !== undefined) config.defaultLeaseTtlMs = lease;
  if (env['REGISTRY_REQUIRE_SIGNED_CARDS'] === '1') config.requireSignedCards = true;
  return config;
}
