import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';

describe('credit lease settings (ADR 0010)', () => {
  test('leases are the default, with a block of 100 calls, a quarter of the balance and a 50 ms write-behind window', () => {
    const config = parseGatewayConfig({});
    assert.equal(config.creditsMode, 'lease');
    assert.equal(config.creditsLeaseCalls, 100);
    assert.equal(config.creditsLeaseShare, 0.25);
    assert.equal(config.creditsFlushMs, 50);
  });

  test('GATEWAY_CREDITS_MODE=exact switches back to a ledger transaction per call; the lease settings come from env too', () => {
    assert.deepEqual(gatewayConfigFromEnv({ GATEWAY_CREDITS_MODE: 'exact', GATEWAY_CREDITS_LEASE_CALLS: '20', GATEWAY_CREDITS_FLUSH_MS: '5' }, {}), { logFormat: 'pretty', creditsMode: 'exact', creditsLeaseCalls: 20, creditsFlushMs: 5 });
    assert.throws(() => gatewayConfigFromEnv({ GATEWAY_CREDITS_MODE: 'lazy' }, {}), /GATEWAY_CREDITS_MODE must be lease or exact/);
  });

  test('a lease share outside (0, 1] and a write-behind window over 10 s are refused', () => {
    assert.throws(() => parseGatewayConfig({ creditsLeaseShare: 0 }), /creditsLeaseShare/);
    assert.throws(() => parseGatewayConfig({ creditsLeaseShare: 1.5 }), /creditsLeaseShare/);
    assert.throws(() => parseGatewayConfig({ creditsFlushMs: 60_000 }), /creditsFlushMs/);
  });
});
