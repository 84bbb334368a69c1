import type { RegistryConfigInput } from '../../registry/index.js';
import { assignEnvInts, assignEnvTexts, envInt, servingFromEnv } from './role-env.js';

/** Registry configuration from env and flags (flags win). */
export function registryConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RegistryConfigInput {
  // The port first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'REGISTRY_PORT', flags.port ?? env['REGISTRY_PORT'] ?? env['PORT']);
  const config: RegistryConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  assignEnvTexts(config, env, { REGISTRY_PUBLIC_URL: 'publicUrl', REGISTRY_TOKEN: 'writeToken', REGISTRY_REVIEW_TOKEN: 'reviewToken', REGISTRY_PUBLISHER: 'publisher' });
  assignEnvInts(config, env, { REGISTRY_PROBE_INTERVAL_MS: 'probeIntervalMs', REGISTRY_LEASE_TTL_MS: 'defaultLeaseTtlMs' });
  if (env['REGISTRY_REQUIRE_SIGNED_CARDS'] === '1') config.requireSignedCards = true;
  // Review holds and the ownership checks' DNS servers (docs/registry.md): comma lists, blanks dropped.
  const list = (name: string) => (env[name] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const required = env['REGISTRY_REVIEW_REQUIRED'] === '1';
  const tenants = list('REGISTRY_REVIEW_TENANTS');
  if (required || tenants.length > 0) config.review = { required, tenants };
  const dnsServers = list('REGISTRY_DNS_SERVERS');
  if (dnsServers.length > 0) config.ownership = { dnsServers };
  return config;
}
