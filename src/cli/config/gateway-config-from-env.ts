import type { GatewayConfigInput } from '../../gateway/index.js';
import { assignEnvInts, assignEnvTexts, envChoice, envInt, servingFromEnv } from './role-env.js';
import { errorMessage } from '../../protocol/index.js';

/** Gateway configuration from env and flags (flags win). */
export function gatewayConfigFromEnv(env: Record<string, string | undefined>, flags: { port?: string; host?: string; dataDir?: string; dev?: boolean }): GatewayConfigInput {
  // The ports first: a bad one is the error reported, before any of the shared settings'.
  const port = envInt(flags.port !== undefined ? '--port' : 'GATEWAY_PORT', flags.port ?? env['GATEWAY_PORT'] ?? env['PORT']);
  const metricsPort = envInt('GATEWAY_METRICS_PORT', env['GATEWAY_METRICS_PORT']);
  const config: GatewayConfigInput = servingFromEnv(env, flags);
  if (port !== undefined) config.port = port;
  if (metricsPort !== undefined) config.metricsPort = metricsPort;
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
  const signingAlg = envChoice('GATEWAY_SIGNING_ALG', env['GATEWAY_SIGNING_ALG'], ['ES256', 'RS256']);
  if (signingAlg) config.signingAlg = signingAlg;
  assignEnvInts(config, env, {
    GATEWAY_TOKEN_TTL_SECONDS: 'tokenTtlSeconds',
    GATEWAY_DELEGATION_GRANT_TTL_SECONDS: 'delegationGrantTtlSeconds',
    GATEWAY_DELEGATION_GRANT_RETRY_SECONDS: 'delegationGrantRetrySeconds',
    GATEWAY_DELEGATION_MAX_DEPTH: 'delegationMaxDepth',
    GATEWAY_CREDITS_MAX_HOLD_MS: 'creditsMaxHoldMs',
    GATEWAY_AUDIT_VERIFY_INTERVAL_MS: 'auditVerifyIntervalMs',
  });
  const creditsMode = envChoice('GATEWAY_CREDITS_MODE', env['GATEWAY_CREDITS_MODE'], ['lease', 'exact']);
  if (creditsMode) config.creditsMode = creditsMode;
  const answerDurability = envChoice('GATEWAY_ANSWER_DURABILITY', env['GATEWAY_ANSWER_DURABILITY'], ['journal', 'commit']);
  if (answerDurability) config.answerDurability = answerDurability;
  if (env['GATEWAY_ANSWER_JOURNAL_DIR']) config.answerJournalDir = env['GATEWAY_ANSWER_JOURNAL_DIR'];
  // An operator can go back to undici for plain http agents without a new release (ADR 0064).
  const upstreamClient = envChoice('GATEWAY_UPSTREAM_CLIENT', env['GATEWAY_UPSTREAM_CLIENT'], ['llhttp', 'undici']);
  if (upstreamClient) config.upstreamClient = upstreamClient;
  // Likewise back to node:http's server for the public port's connections (ADR 0065).
  const dataPlaneServer = envChoice('GATEWAY_DATA_PLANE_SERVER', env['GATEWAY_DATA_PLANE_SERVER'], ['llhttp', 'node']);
  if (dataPlaneServer) config.dataPlaneServer = dataPlaneServer;
  const halfClose = envChoice('GATEWAY_HALF_CLOSE', env['GATEWAY_HALF_CLOSE'], ['answer', 'end']);
  if (halfClose) config.halfClose = halfClose;
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
