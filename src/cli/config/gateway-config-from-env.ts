import type { GatewayConfigInput } from '../../gateway/index.js';
import { assignEnvChoice, assignEnvInts, assignEnvTexts, envInt, portsFromEnv, servingFromEnv } from './role-env.js';
import { errorMessage } from '../../protocol/index.js';

/** Gateway configuration from env and flags (flags win). */
export function gatewayConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): GatewayConfigInput {
  const ports = portsFromEnv(env, flags, ['GATEWAY_PORT', 'PORT'], { GATEWAY_METRICS_PORT: 'metricsPort' });
  const config: GatewayConfigInput = { ...servingFromEnv(env, flags), ...ports };
  assignEnvTexts(config, env, {
    GATEWAY_PUBLIC_URL: 'publicUrl',
    GATEWAY_METRICS_HOST: 'metricsHost',
    REGISTRY_URL: 'registryUrl',
    REGISTRY_TOKEN: 'registryToken',
    REGISTRY_REVIEW_TOKEN: 'registryReviewToken',
    GATEWAY_CONSOLE_DIR: 'consoleDir',
    GATEWAY_ADMIN_TOKEN: 'adminToken',
    GATEWAY_SECRET: 'keyEncryptionSecret',
    GATEWAY_CARD_SIGNING_KEY: 'cardSigningKeyPem',
    GATEWAY_SECRET_PREVIOUS: 'previousKeyEncryptionSecret',
  });
  assignEnvChoice(config, env, 'GATEWAY_SIGNING_ALG', 'signingAlg', ['ES256', 'RS256']);
  assignEnvInts(config, env, {
    GATEWAY_TOKEN_TTL_SECONDS: 'tokenTtlSeconds',
    GATEWAY_DELEGATION_GRANT_TTL_SECONDS: 'delegationGrantTtlSeconds',
    GATEWAY_DELEGATION_GRANT_RETRY_SECONDS: 'delegationGrantRetrySeconds',
    GATEWAY_DELEGATION_MAX_DEPTH: 'delegationMaxDepth',
    GATEWAY_CREDITS_MAX_HOLD_MS: 'creditsMaxHoldMs',
    GATEWAY_AUDIT_VERIFY_INTERVAL_MS: 'auditVerifyIntervalMs',
    GATEWAY_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  });
  assignEnvChoice(config, env, 'GATEWAY_CREDITS_MODE', 'creditsMode', ['lease', 'exact']);
  assignEnvChoice(config, env, 'GATEWAY_ANSWER_DURABILITY', 'answerDurability', ['journal', 'commit']);
  if (env['GATEWAY_ANSWER_JOURNAL_DIR']) config.answerJournalDir = env['GATEWAY_ANSWER_JOURNAL_DIR'];
  // An operator can go back to undici for plain http agents without a new release (ADR 0064).
  assignEnvChoice(config, env, 'GATEWAY_UPSTREAM_CLIENT', 'upstreamClient', ['llhttp', 'undici']);
  // Likewise back to node:http's server for the public port's connections (ADR 0065).
  assignEnvChoice(config, env, 'GATEWAY_DATA_PLANE_SERVER', 'dataPlaneServer', ['llhttp', 'node']);
  assignEnvChoice(config, env, 'GATEWAY_HALF_CLOSE', 'halfClose', ['answer', 'end']);
  assignEnvInts(config, env, { GATEWAY_CREDITS_LEASE_CALLS: 'creditsLeaseCalls', GATEWAY_CREDITS_FLUSH_MS: 'creditsFlushMs', GATEWAY_DEFAULT_RPM: 'defaultRequestsPerMinute' });
  const sweepIntervalMs = envInt('GATEWAY_APPROVALS_SWEEP_INTERVAL_MS', env['GATEWAY_APPROVALS_SWEEP_INTERVAL_MS']);
  if (sweepIntervalMs !== undefined) config.approvals = { ...config.approvals, sweepIntervalMs };
  if (env['GATEWAY_CORS_ORIGINS']) config.corsOrigins = env['GATEWAY_CORS_ORIGINS'].split(',').map((o) => o.trim()).filter(Boolean);
  if (env['GATEWAY_EXTERNAL_ISSUERS']) {
    try {
      config.externalIssuers = JSON.parse(env['GATEWAY_EXTERNAL_ISSUERS']) as GatewayConfigInput['externalIssuers'];
    } catch (err) {
      throw new Error(`GATEWAY_EXTERNAL_ISSUERS must be a JSON list of { issuer, jwksUri, audience, tenantClaim, scopesClaim }: ${errorMessage(err)}`, { cause: err });
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
