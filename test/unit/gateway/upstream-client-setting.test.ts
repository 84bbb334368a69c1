import { test } from 'node:test';
import { assertEngineSetting } from './engine-setting.js';

test('plain http agents are relayed through llhttp unless GATEWAY_UPSTREAM_CLIENT=undici says otherwise; anything else is refused by name', () => {
  assertEngineSetting({ setting: 'upstreamClient', variable: 'GATEWAY_UPSTREAM_CLIENT', byDefault: 'llhttp', values: ['undici', 'llhttp'], refused: 'curl', refusal: /GATEWAY_UPSTREAM_CLIENT must be llhttp or undici/ });
});
