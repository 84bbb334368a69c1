import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { variableOfSetting } from '../../../src/cli/config/setting-variable.js';
import { reportError } from '../../../src/cli/io/error-report.js';
import { parseRegistryConfig } from '../../../src/registry/config.js';
import type { CliIO } from '../../../src/cli/io/cli-io.js';

describe('the variable behind a refused setting', () => {
  test('names the variable each role reads a setting from', () => {
    assert.equal(variableOfSetting('registry.databasePoolSize', { DATABASE_POOL_SIZE: '0', HOME: '/root' }), 'DATABASE_POOL_SIZE');
    assert.equal(variableOfSetting('runtime.storageSecret', { AGENTMESH_SECRET: 'short' }), 'AGENTMESH_SECRET');
    assert.equal(variableOfSetting('runtime.publicUrl', { PUBLIC_URL: 'notaurl' }), 'PUBLIC_URL');
    assert.equal(variableOfSetting('gateway.publicUrl', { GATEWAY_PUBLIC_URL: 'x' }), 'GATEWAY_PUBLIC_URL');
    assert.equal(variableOfSetting('registry.probeIntervalMs', { REGISTRY_PROBE_INTERVAL_MS: '1' }), 'REGISTRY_PROBE_INTERVAL_MS');
  });

  test('names none for a setting no variable set, a role it does not know, or a name that is no setting', () => {
    assert.equal(variableOfSetting('registry.databasePoolSize', { HOME: '/root' }), undefined);
    assert.equal(variableOfSetting('nosuch.port', { PORT: '1' }), undefined);
    assert.equal(variableOfSetting('registry.constructor', { PORT: '1' }), undefined);
    assert.equal(variableOfSetting('registry', { PORT: '1' }), undefined);
  });

  test("a role's refused setting is reported with the variable that set it, without its value", async () => {
    let err: unknown;
    try {
      parseRegistryConfig({ databasePoolSize: 0 });
    } catch (caught) {
      err = caught;
    }
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: { DATABASE_POOL_SIZE: '0' } } as unknown as CliIO;
    assert.equal(await reportError(io, err), 1);
    assert.equal(stderr, 'error: registry.databasePoolSize Too small: expected number to be >=1\nhint: registry.databasePoolSize comes from DATABASE_POOL_SIZE: fix or unset it (docs/configuration.md)\n');
  });
});
