import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';

test('the public port is parsed by node:http\'s server unless GATEWAY_DATA_PLANE_SERVER=llhttp asks for the front; anything else is refused by name', () => {
  assert.equal(parseGatewayConfig({}).dataPlaneServer, 'node');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'node' }, {}).dataPlaneServer, 'node');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'llhttp' }, {}).dataPlaneServer, 'llhttp');
  assert.equal(gatewayConfigFromEnv({}, {}).dataPlaneServer, undefined);
  assert.throws(() => gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'uws' }, {}), /GATEWAY_DATA_PLANE_SERVER must be llhttp or node/);
});
