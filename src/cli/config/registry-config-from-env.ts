import type { RegistryConfigInput } from '../../registry/index.js';
import { assignEnvInts, assignEnvTexts, envInt, servingFromEnv } from './role-env.js';

/** Registry configuration from env and flags (flags win). */
export function registryConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RegistryConfigInput {
  // The port first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'REGISTRY_PORT', flags.port ?? env['REGISTRY_PORT'] ?? env['PORT']);
  const config: RegistryConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  assignEnvTexts(config, env, { REGISTRY_PUBLIC_URL: 'publicUrl', REGISTRY_TOKEN: 'writeToken', REGISTRY_PUBLISHER: 'publisher' });
  assignEnvInts(config, env, { REGISTRY_PROBE_INTERVAL_MS: 'probeIntervalMs', REGISTRY_LEASE_TTL_MS: 'defaultLeaseTtlMs' });
  if (env['REGISTRY_REQUIRE_SIGNED_CARDS'] === '1') config.requireSignedCards = true;
  return config;
}
