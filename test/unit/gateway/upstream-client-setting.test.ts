import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';

test('plain http agents are relayed through llhttp unless GATEWAY_UPSTREAM_CLIENT=undici says otherwise; anything else is refused by name', () => {
  assert.equal(parseGatewayConfig({}).upstreamClient, 'llhttp');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_UPSTREAM_CLIENT: 'undici' }, {}).upstreamClient, 'undici');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_UPSTREAM_CLIENT: 'llhttp' }, {}).upstreamClient, 'llhttp');
  assert.equal(gatewayConfigFromEnv({}, {}).upstreamClient, undefined);
  assert.throws(() => gatewayConfigFromEnv({ GATEWAY_UPSTREAM_CLIENT: 'curl' }, {}), /GATEWAY_UPSTREAM_CLIENT must be llhttp or undici/);
});
