import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { parseIdentityConfig } from '../../../src/gateway/identity/config.js';

const base = { issuer: 'https://gateway.example.com/', signingKeyEncryptionSecret: 's'.repeat(32) };

describe('identity config', () => {
  test('fills the defaults and trims the issuer', () => {
    const config = parseIdentityConfig(base);
    assert.equal(config.issuer, 'https://gateway.example.com');
    assert.equal(config.audience, 'agentmesh');
    assert.equal(config.tokenTtlSeconds, 900);
    assert.equal(config.signingAlg, 'ES256');
    assert.equal(config.clockToleranceSeconds, 30);
    assert.equal(config.keyRotationIntervalMs, 7 * 24 * 3600 * 1000);
    assert.ok(Object.isFrozen(config));
  });

  test('names the path of a bad value', () => {
    assert.throws(() => parseIdentityConfig({ ...base, tokenTtlSeconds: 5 }), { code: 'AM_ERR_CONFIG_INVALID', message: /^gateway\.identity\.tokenTtlSeconds / });
    assert.throws(() => parseIdentityConfig({ ...base, signingAlg: 'HS256' as never }), { message: /^gateway\.identity\.signingAlg / });
    assert.throws(() => parseIdentityConfig({ ...base, unknownKey: 1 } as never), { message: /^gateway\.identity\./ });
  });

  test('needs a secret or a secret file', () => {
    assert.throws(() => parseIdentityConfig({ issuer: 'https://g.example' }), { message: /signingKeyEncryptionSecret must be set/ });
    assert.throws(() => parseIdentityConfig({ issuer: 'https://g.example', signingKeyEncryptionSecret: 'short' }), { message: /signingKeyEncryptionSecret/ });
    assert.doesNotThrow(() => parseIdentityConfig({ issuer: 'https://g.example', secretFile: '/tmp/x' }));
  });

  test('refuses none and HS* for external issuers, and an issuer listed twice', () => {
    const external = { issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks', audience: 'agentmesh', tenantClaim: 'tenant', scopesClaim: 'scope' };
    assert.throws(() => parseIdentityConfig({ ...base, externalIssuers: [{ ...external, algorithms: ['RS256', 'HS256'] }] }), { message: /externalIssuers\.0\.algorithms must not contain none or HS\*/ });
    assert.throws(() => parseIdentityConfig({ ...base, externalIssuers: [{ ...external, algorithms: ['none'] }] }), { message: /must not contain none/ });
    assert.throws(() => parseIdentityConfig({ ...base, externalIssuers: [external, external] }), { message: /externalIssuers\.1\.issuer is listed twice/ });
    assert.throws(() => parseIdentityConfig({ ...base, externalIssuers: [{ ...external, issuer: 'https://gateway.example.com' }] }), { message: /equals the gateway issuer/ });
  });

  test('a delegation grant redemption may be retried for 5 minutes by default; 0 turns it off, past an hour is refused (ADR 0058)', () => {
    assert.equal(parseIdentityConfig(base).delegationGrantRetrySeconds, 300);
    assert.equal(parseGatewayConfig({}).delegationGrantRetrySeconds, 300);
    assert.equal(parseIdentityConfig({ ...base, delegationGrantRetrySeconds: 0 }).delegationGrantRetrySeconds, 0);
    assert.throws(() => parseIdentityConfig({ ...base, delegationGrantRetrySeconds: 3601 }), { message: /^gateway\.identity\.delegationGrantRetrySeconds / });
    assert.throws(() => parseGatewayConfig({ delegationGrantRetrySeconds: -1 }), /delegationGrantRetrySeconds/);
    assert.equal(gatewayConfigFromEnv({ GATEWAY_DELEGATION_GRANT_RETRY_SECONDS: '0' }, {}).delegationGrantRetrySeconds, 0);
  });
});
