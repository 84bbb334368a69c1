import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';

test('the public port is parsed by the llhttp front unless GATEWAY_DATA_PLANE_SERVER=node asks for node:http; anything else is refused by name', () => {
  assert.equal(parseGatewayConfig({}).dataPlaneServer, 'llhttp');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'node' }, {}).dataPlaneServer, 'node');
  assert.equal(gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'llhttp' }, {}).dataPlaneServer, 'llhttp');
  assert.equal(gatewayConfigFromEnv({}, {}).dataPlaneServer, undefined);
  assert.throws(() => gatewayConfigFromEnv({ GATEWAY_DATA_PLANE_SERVER: 'uws' }, {}), /GATEWAY_DATA_PLANE_SERVER must be llhttp or node/);
});
