import { test } from 'node:test';
import { assertEngineSetting } from './engine-setting.js';

test('the public port is parsed by node:http\'s server unless GATEWAY_DATA_PLANE_SERVER=llhttp asks for the front; anything else is refused by name', () => {
  assertEngineSetting({ setting: 'dataPlaneServer', variable: 'GATEWAY_DATA_PLANE_SERVER', byDefault: 'node', values: ['node', 'llhttp'], refused: 'uws', refusal: /GATEWAY_DATA_PLANE_SERVER must be llhttp or node/ });
});
