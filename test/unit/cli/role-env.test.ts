import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/gateway-config-from-env.js';
import { registryConfigFromEnv } from '../../../src/cli/registry-config-from-env.js';
import { runtimeConfigFromEnv } from '../../../src/cli/runtime-config-from-env.js';

// Every serving role reads the same database settings from the same names.
describe('database settings from the environment', () => {
  const env = { DATABASE_URL: 'postgres://db/mesh', DATABASE_MIGRATION_URL: 'postgres://migrator@db/mesh', DATABASE_POOL_SIZE: '25', DATABASE_QUERY_TIMEOUT_MS: '5000' };
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv };

  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: DATABASE_URL, DATABASE_MIGRATION_URL, DATABASE_POOL_SIZE and DATABASE_QUERY_TIMEOUT_MS`, () => {
      const config = read(env, {}) as { databaseUrl?: string; databaseMigrationUrl?: string; databasePoolSize?: number; databaseQueryTimeoutMs?: number };
      assert.equal(config.databaseUrl, 'postgres://db/mesh');
      assert.equal(config.databaseMigrationUrl, 'postgres://migrator@db/mesh');
      assert.equal(config.databasePoolSize, 25);
      assert.equal(config.databaseQueryTimeoutMs, 5000);
    });
    test(`${role}: a value that is not a count is refused, naming the setting`, () => {
      assert.throws(() => read({ DATABASE_QUERY_TIMEOUT_MS: '5s' }, {}), /DATABASE_QUERY_TIMEOUT_MS must be a non-negative integer, got "5s"/);
      assert.throws(() => read({ DATABASE_POOL_SIZE: '-1' }, {}), /DATABASE_POOL_SIZE must be a non-negative integer/);
    });
  }
});
