import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';

/** How the gateway reads one of its engine choices: the setting, its environment variable, its values. */
export interface EngineSetting {
  setting: 'dataPlaneServer' | 'upstreamClient' | 'halfClose';
  variable: string;
  /** What the parsed config holds when nothing is set. */
  byDefault: string;
  /** Every value the variable takes. */
  values: string[];
  /** A value it refuses, and the refusal's words. */
  refused: string;
  refusal: RegExp;
}

/**
 * Asserts an engine choice of the gateway: the config defaults it, the
 * environment sets each of its values and leaves it unset when the variable
 * is, and any other value is refused by name.
 */
export function assertEngineSetting(choice: EngineSetting): void {
  assert.equal(parseGatewayConfig({})[choice.setting], choice.byDefault);
  for (const value of choice.values) assert.equal(gatewayConfigFromEnv({ [choice.variable]: value }, {})[choice.setting], value);
  assert.equal(gatewayConfigFromEnv({}, {})[choice.setting], undefined);
  assert.throws(() => gatewayConfigFromEnv({ [choice.variable]: choice.refused }, {}), choice.refusal);
}
