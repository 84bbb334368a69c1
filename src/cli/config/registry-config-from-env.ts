import type { RegistryConfigInput } from '../../registry/index.js';
import { assignEnvInts, assignEnvTexts, portsFromEnv, servingFromEnv } from './role-env.js';

/** Registry configuration from env and flags (flags win). */
export function registryConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): RegistryConfigInput {
  const ports = portsFromEnv(env, flags, ['REGISTRY_PORT', 'PORT']);
  const config: RegistryConfigInput = { ...servingFromEnv(env, flags), ...ports };
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
