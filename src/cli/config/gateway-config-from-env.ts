import type { GatewayConfigInput } from '../../gateway/index.js';
import { envInt, servingFromEnv } from './role-env.js';

/** Gateway configuration from env and flags (flags win). */
export function gatewayConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): GatewayConfigInput {
  // The ports first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'GATEWAY_PORT', flags.port ?? env['GATEWAY_PORT'] ?? env['PORT']);
  const metricsPort = envInt('GATEWAY_METRICS_PORT', env['GATEWAY_METRICS_PORT']);
  const config: GatewayConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  if (env['GATEWAY_PUBLIC_URL']) config.publicUrl = env['GATEWAY_PUBLIC_URL'];
  if (metricsPort !== undefined) config.metricsPort = metricsPort;
  if (env['GATEWAY_METRICS_HOST']) config.metricsHost = env['GATEWAY_METRICS_HOST'];
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
  return config;
}
