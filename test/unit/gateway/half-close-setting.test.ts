import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertEngineSetting } from './engine-setting.js';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';
import { parseRuntimeConfig } from '../../../src/runtime/config.js';

test("a client's half-close is answered unless GATEWAY_HALF_CLOSE=end reads it as the client gone; anything else is refused by name", () => {
  assertEngineSetting({ setting: 'halfClose', variable: 'GATEWAY_HALF_CLOSE', byDefault: 'answer', values: ['answer', 'end'], refused: 'abort', refusal: /GATEWAY_HALF_CLOSE must be answer or end/ });
});

test('the runtime reads AGENTMESH_HALF_CLOSE the same way', () => {
  assert.equal(parseRuntimeConfig({}).halfClose, 'answer');
  for (const value of ['answer', 'end'] as const) assert.equal(runtimeConfigFromEnv({ AGENTMESH_HALF_CLOSE: value }, {}).halfClose, value);
  assert.equal(runtimeConfigFromEnv({}, {}).halfClose, undefined);
  assert.throws(() => runtimeConfigFromEnv({ AGENTMESH_HALF_CLOSE: 'abort' }, {}), /AGENTMESH_HALF_CLOSE must be answer or end/);
});
