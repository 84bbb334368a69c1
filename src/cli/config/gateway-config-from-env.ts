import type { GatewayConfigInput } from '../../gateway/index.js';
import { databaseFromEnv, envInt, probeFromEnv, tlsFromEnv } from './role-env.js';

/** Gateway configuration from env and flags (flags win). */
export function gatewayConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): GatewayConfigInput {
  const config: GatewayConfigInput = {};
  const port = envInt(flags.port !== undefined ? '--port' : 'GATEWAY_PORT', flags.port ?? env['GATEWAY_PORT'] ?? env['PORT']);
  if (port !== undefined) config.port = port;
  const host = flags.host ?? env['HOST'];
  if (host) config.host = host;
  const dataDir = flags.dataDir ?? env['AGENTMESH_DATA_DIR'];
  if (dataDir) config.dataDir = dataDir;
  if (env['GATEWAY_PUBLIC_URL']) config.publicUrl = env['GATEWAY_PUBLIC_URL'];
  const metricsPort = envInt('GATEWAY_METRICS_PORT', env['GATEWAY_METRICS_PORT']);
  if (metricsPort !== undefined) config.metricsPort = metricsPort;
  if (env['GATEWAY_METRICS_HOST']) config.metricsHost = env['GATEWAY_METRICS_HOST'];
  Object.assign(config, databaseFromEnv(env));
  Object.assign(config, tlsFromEnv(env));
  Object.assign(config, probeFromEnv(env));
  if (env['REDIS_URL']) config.redisUrl = env['REDIS_URL'];
  if (env['LOG_LEVEL']) config.logLevel = env['LOG_LEVEL'] as GatewayConfigInput['logLevel'];
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT']) config.otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (env['REGISTRY_URL']) config.registryUrl = env['REGISTRY_URL'];
  if (env['REGISTRY_TOKEN']) config.registryToken = env['REGISTRY_TOKEN'];
  if (env['GATEWAY_CONSOLE_DIR']) config.consoleDir = env['GATEWAY_CONSOLE_DIR'];
  if (env['GATEWAY_ADMIN_TOKEN']) config.adminToken = env['GATEWAY_ADMIN_TOKEN'];
  if (env['GATEWAY_SECRET']) config.keyEncryptionSecret = env['GATEWAY_SECRET'];
  if (env['GATEWAY_CARD_SIGNING_KEY']) config.cardSigningKeyPem = env['GATEWAY_CARD_SIGNING_KEY'];
  if (env['GATEWAY_SECRET_PREVIOUS']) config.previousKeyEncryptionSecret = env['GATEWAY_SECRET_PREVIOUS'];
  if (env['GATEWAY_SIGNING_ALG']) config.signingAlg = env['GATEWAY_SIGNING_ALG'] as GatewayConfigInput['signingAlg'];
  const ttl = envInt('GATEWAY_TOKEN_TTL_SECONDS', env['GATEWAY_TOKEN_TTL_SECONDS']);
  if (ttl !== undefined) config.tokenTtlSeconds = ttl;
  const maxHold = envInt('GATEWAY_CREDITS_MAX_HOLD_MS', env['GATEWAY_CREDITS_MAX_HOLD_MS']);
  if (maxHold !== undefined) config.creditsMaxHoldMs = maxHold;
  const auditVerify = envInt('GATEWAY_AUDIT_VERIFY_INTERVAL_MS', env['GATEWAY_AUDIT_VERIFY_INTERVAL_MS']);
  if (auditVerify !== undefined) config.auditVerifyIntervalMs = auditVerify;
  const creditsMode = env['GATEWAY_CREDITS_MODE'];
  if (creditsMode) {
    if (creditsMode !== 'lease' && creditsMode !== 'exact') throw new Error(`GATEWAY_CREDITS_MODE must be lease or exact, got ${JSON.stringify(creditsMode)}`);
    config.creditsMode = creditsMode;
  }
  const leaseCalls = envInt('GATEWAY_CREDITS_LEASE_CALLS', env['GATEWAY_CREDITS_LEASE_CALLS']);
  if (leaseCalls !== undefined) config.creditsLeaseCalls = leaseCalls;
  const flushMs = envInt('GATEWAY_CREDITS_FLUSH_MS', env['GATEWAY_CREDITS_FLUSH_MS']);
  if (flushMs !== undefined) config.creditsFlushMs = flushMs;
  const rpm = envInt('GATEWAY_DEFAULT_RPM', env['GATEWAY_DEFAULT_RPM']);
  if (rpm !== undefined) config.defaultRequestsPerMinute = rpm;
  if (env['GATEWAY_CORS_ORIGINS']) config.corsOrigins = env['GATEWAY_CORS_ORIGINS'].split(',').map((o) => o.trim()).filter(Boolean);
  if (env['GATEWAY_EXTERNAL_ISSUERS']) {
    try {
      config.externalIssuers = JSON.parse(env['GATEWAY_EXTERNAL_ISSUERS']) as GatewayConfigInput['externalIssuers'];
    } catch (err) {
      throw new Error(`GATEWAY_EXTERNAL_ISSUERS must be a JSON list of { issuer, jwksUri, audience, tenantClaim, scopesClaim }: ${(err as Error).message}`, { cause: err });
    }
  }
  const oidcIssuer = env['GATEWAY_CONSOLE_OIDC_ISSUER'];
  const oidcClientId = env['GATEWAY_CONSOLE_OIDC_CLIENT_ID'];
  if (oidcIssuer || oidcClientId) {
    if (!oidcIssuer || !oidcClientId) throw new Error('GATEWAY_CONSOLE_OIDC_ISSUER and GATEWAY_CONSOLE_OIDC_CLIENT_ID go together: set both for the console\'s OpenID Connect sign-in, or neither');
    config.consoleOidc = { issuer: oidcIssuer, clientId: oidcClientId };
    if (env['GATEWAY_CONSOLE_OIDC_SCOPES']) config.consoleOidc.scopes = env['GATEWAY_CONSOLE_OIDC_SCOPES'].split(/\s+/).filter(Boolean);
    if (env['GATEWAY_CONSOLE_OIDC_RESOURCE']) config.consoleOidc.resource = env['GATEWAY_CONSOLE_OIDC_RESOURCE'];
    if (env['GATEWAY_CONSOLE_OIDC_NAME']) config.consoleOidc.name = env['GATEWAY_CONSOLE_OIDC_NAME'];
  }
  if (env['AGENTMESH_ALLOW_HOSTS']) config.allowHosts = env['AGENTMESH_ALLOW_HOSTS'].split(',').map((h) => h.trim()).filter(Boolean);
  if (flags.dev || env['AGENTMESH_DEV'] === '1') config.dev = true;
  return config;
}
