import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayConfigFromEnv } from '../../../src/cli/config/gateway-config-from-env.js';
import { registryConfigFromEnv } from '../../../src/cli/config/registry-config-from-env.js';
import { orchestratorConfigFromEnv } from '../../../src/cli/config/orchestrator-config-from-env.js';
import { runtimeConfigFromEnv } from '../../../src/cli/config/runtime-config-from-env.js';

// Every serving role reads the same database settings from the same names.
describe('database settings from the environment', () => {
  const env = { DATABASE_URL: 'postgres://db/mesh', DATABASE_MIGRATION_URL: 'postgres://migrator@db/mesh', DATABASE_POOL_SIZE: '25', DATABASE_QUERY_TIMEOUT_MS: '5000', DATABASE_CONNECT_TIMEOUT_MS: '20000' };
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv };

  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: DATABASE_URL, DATABASE_MIGRATION_URL, DATABASE_POOL_SIZE, DATABASE_QUERY_TIMEOUT_MS and DATABASE_CONNECT_TIMEOUT_MS`, () => {
      const config = read(env, {}) as { databaseUrl?: string; databaseMigrationUrl?: string; databasePoolSize?: number; databaseQueryTimeoutMs?: number; databaseConnectTimeoutMs?: number };
      assert.equal(config.databaseUrl, 'postgres://db/mesh');
      assert.equal(config.databaseMigrationUrl, 'postgres://migrator@db/mesh');
      assert.equal(config.databasePoolSize, 25);
      assert.equal(config.databaseQueryTimeoutMs, 5000);
      assert.equal(config.databaseConnectTimeoutMs, 20000);
    });
    test(`${role}: DATABASE_POOL_MODE is session or transaction, anything else is refused naming it`, () => {
      assert.equal((read({ DATABASE_POOL_MODE: 'transaction' }, {}) as { databasePoolMode?: string }).databasePoolMode, 'transaction');
      assert.equal((read({ DATABASE_POOL_MODE: 'session' }, {}) as { databasePoolMode?: string }).databasePoolMode, 'session');
      assert.equal((read({}, {}) as { databasePoolMode?: string }).databasePoolMode, undefined);
      assert.throws(() => read({ DATABASE_POOL_MODE: 'statement' }, {}), /DATABASE_POOL_MODE must be session or transaction, got "statement"/);
    });
    test(`${role}: a value that is not a count is refused, naming the setting`, () => {
      assert.throws(() => read({ DATABASE_QUERY_TIMEOUT_MS: '5s' }, {}), /DATABASE_QUERY_TIMEOUT_MS must be a non-negative integer, got "5s"/);
      assert.throws(() => read({ DATABASE_POOL_SIZE: '-1' }, {}), /DATABASE_POOL_SIZE must be a non-negative integer/);
    });
  }
});

// Every serving role reads the same TLS settings from the same names.
describe('TLS settings from the environment', () => {
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv };
  const env = {
    TLS_CERT_FILE: '/tls/tls.crt',
    TLS_KEY_FILE: '/tls/tls.key',
    TLS_CA_FILE: '/tls/ca.crt',
    TLS_CLIENT_AUTH: 'require',
    TLS_CLIENT_CERT_FILE: '/tls/client.crt',
    TLS_CLIENT_KEY_FILE: '/tls/client.key',
  };

  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: TLS_* become tls and clientTls, the CA serving both`, () => {
      const config = read(env, {}) as { tls?: unknown; clientTls?: unknown };
      assert.deepEqual(config.tls, { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', caFile: '/tls/ca.crt', clientAuth: 'require' });
      assert.deepEqual(config.clientTls, { certFile: '/tls/client.crt', keyFile: '/tls/client.key', caFile: '/tls/ca.crt' });
    });
    test(`${role}: no TLS variable, no TLS settings`, () => {
      const config = read({}, {}) as { tls?: unknown; clientTls?: unknown };
      assert.equal(config.tls, undefined);
      assert.equal(config.clientTls, undefined);
    });
  }

  test('TLS_CA_FILE alone trusts a private CA for outbound calls only', () => {
    const config = runtimeConfigFromEnv({ TLS_CA_FILE: '/tls/ca.crt' }, {});
    assert.equal(config.tls, undefined);
    assert.deepEqual(config.clientTls, { caFile: '/tls/ca.crt' });
  });

  test('a half-configured pair or an unknown client-auth mode is refused, naming the variables', () => {
    assert.throws(() => runtimeConfigFromEnv({ TLS_CERT_FILE: '/tls/tls.crt' }, {}), /set both TLS_CERT_FILE and TLS_KEY_FILE/);
    assert.throws(() => runtimeConfigFromEnv({ TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b', TLS_CLIENT_AUTH: 'always' }, {}), /TLS_CLIENT_AUTH must be off, request or require, got "always"/);
    assert.throws(() => registryConfigFromEnv({ TLS_CLIENT_AUTH: 'require' }, {}), /TLS_CLIENT_AUTH=require needs TLS_CERT_FILE and TLS_KEY_FILE/);
  });
});

// Every serving role reads the probe listener's settings from the same names (kubelet probes beside mutual TLS).
describe('probe listener settings from the environment', () => {
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv, orchestrator: (env: Record<string, string>) => orchestratorConfigFromEnv(env, {}).runtime };

  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: PROBE_PORT and PROBE_HOST; unset, no probe listener`, () => {
      const config = read({ PROBE_PORT: '4199', PROBE_HOST: '0.0.0.0' }, {}) as { probePort?: number; probeHost?: string };
      assert.deepEqual([config.probePort, config.probeHost], [4199, '0.0.0.0']);
      const none = read({}, {}) as { probePort?: number };
      assert.equal(none.probePort, undefined);
      assert.throws(() => read({ PROBE_PORT: 'http' }, {}), /PROBE_PORT must be a non-negative integer, got "http"/);
    });
  }
});

describe('orchestrator settings from the environment', () => {
  test('ORCHESTRATOR_CONVERSATIONS chooses where the router keeps its conversations; unset leaves the default to the database kind', () => {
    assert.equal(orchestratorConfigFromEnv({ ORCHESTRATOR_CONVERSATIONS: 'database' }, {}).conversations, 'database');
    assert.equal(orchestratorConfigFromEnv({ ORCHESTRATOR_CONVERSATIONS: 'memory' }, {}).conversations, 'memory');
    assert.equal(orchestratorConfigFromEnv({}, {}).conversations, undefined);
    assert.throws(() => orchestratorConfigFromEnv({ ORCHESTRATOR_CONVERSATIONS: 'redis' }, {}), /ORCHESTRATOR_CONVERSATIONS must be memory or database, got "redis"/);
  });

  test('ORCHESTRATOR_ROUTER_MODEL_URL and ORCHESTRATOR_ROUTER_MODEL turn model routing on, together only', () => {
    assert.equal(orchestratorConfigFromEnv({}, {}).routerModel, undefined);
    assert.deepEqual(orchestratorConfigFromEnv({ ORCHESTRATOR_ROUTER_MODEL_URL: 'http://llm:8080/v1', ORCHESTRATOR_ROUTER_MODEL: 'tiny', ORCHESTRATOR_ROUTER_MODEL_KEY: 'k', ORCHESTRATOR_ROUTER_MODEL_TIMEOUT_MS: '1500' }, {}).routerModel, { url: 'http://llm:8080/v1', model: 'tiny', apiKey: 'k', timeoutMs: 1500 });
    assert.throws(() => orchestratorConfigFromEnv({ ORCHESTRATOR_ROUTER_MODEL_URL: 'http://llm:8080/v1' }, {}), /go together/);
    assert.throws(() => orchestratorConfigFromEnv({ ORCHESTRATOR_ROUTER_MODEL_URL: 'http://llm/v1', ORCHESTRATOR_ROUTER_MODEL: 'm', ORCHESTRATOR_ROUTER_MODEL_TIMEOUT_MS: 'soon' }, {}), /ORCHESTRATOR_ROUTER_MODEL_TIMEOUT_MS must be a positive integer/);
  });
});

describe('LOG_FORMAT: the format of every serving role\'s log', () => {
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv };
  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: readable lines for people unless LOG_FORMAT=json asks for JSON, terminal or not`, () => {
      assert.equal((read({}, {}) as { logFormat?: string }).logFormat, 'pretty');
      assert.equal((read({ LOG_FORMAT: 'json' }, {}) as { logFormat?: string }).logFormat, 'json');
      assert.equal((read({ LOG_FORMAT: 'pretty' }, {}) as { logFormat?: string }).logFormat, 'pretty');
      assert.throws(() => read({ LOG_FORMAT: 'text' }, {}), /LOG_FORMAT must be json or pretty, got "text"/);
    });
  }
  test('the orchestrator\'s host reads it too', () => {
    assert.equal((orchestratorConfigFromEnv({ LOG_FORMAT: 'json' }, {}).runtime as { logFormat?: string }).logFormat, 'json');
  });
  test('the earlier name is refused with the new one, not silently ignored', () => {
    assert.throws(() => runtimeConfigFromEnv({ AGENTMESH_LOG_FORMAT: 'json' }, {}), /AGENTMESH_LOG_FORMAT is now LOG_FORMAT/);
  });
});

// OpenTelemetry's own variable, read by every serving role (the orchestrator through its runtime).
describe('OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  const readers = { runtime: runtimeConfigFromEnv, registry: registryConfigFromEnv, gateway: gatewayConfigFromEnv };
  for (const [role, read] of Object.entries(readers)) {
    test(`${role}: read as the comma-separated list it is`, () => {
      assert.deepEqual((read({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http, gen_ai_latest_experimental,' }, {}) as { semconvStabilityOptIn?: string[] }).semconvStabilityOptIn, ['http', 'gen_ai_latest_experimental']);
      assert.equal((read({}, {}) as { semconvStabilityOptIn?: string[] }).semconvStabilityOptIn, undefined);
    });
  }
});

// Each role's own port variable wins over the shared PORT, --port over both; the ports are read before the shared settings.
describe('ports from the environment', () => {
  test('the role\'s own variable, else PORT; --port over both', () => {
    assert.equal(gatewayConfigFromEnv({ GATEWAY_PORT: '4000', PORT: '5000' }, {}).port, 4000);
    assert.equal(gatewayConfigFromEnv({ PORT: '5000' }, {}).port, 5000);
    assert.equal(registryConfigFromEnv({ REGISTRY_PORT: '4001', PORT: '5000' }, { port: '4100' }).port, 4100);
    assert.equal(runtimeConfigFromEnv({}, {}).port, undefined);
  });
  test('a bad port is the error reported, named for the role\'s variable or --port', () => {
    assert.throws(() => gatewayConfigFromEnv({ PORT: 'http', DATABASE_POOL_SIZE: 'x' }, {}), /GATEWAY_PORT must be a non-negative integer, got "http"/);
    assert.throws(() => registryConfigFromEnv({}, { port: 'x' }), /--port must be a non-negative integer/);
    assert.throws(() => runtimeConfigFromEnv({ GRPC_PORT: '-1', DATABASE_POOL_SIZE: 'x' }, {}), /GRPC_PORT must be a non-negative integer/);
  });
  test('the second ports: GATEWAY_METRICS_PORT and GRPC_PORT', () => {
    assert.equal(gatewayConfigFromEnv({ GATEWAY_METRICS_PORT: '9464' }, {}).metricsPort, 9464);
    assert.equal(runtimeConfigFromEnv({ GRPC_PORT: '50051' }, {}).grpcPort, 50051);
  });
});

// The runtime's switches are 1 or 0; anything else is refused by name rather than read as off.
describe('switch settings', () => {
  test('1 is on, 0 off, unset leaves the default, anything else is refused', () => {
    assert.equal(runtimeConfigFromEnv({ AGENTMESH_DEDUPE_MESSAGE_IDS: '0' }, {}).dedupeMessageIds, false);
    assert.equal(runtimeConfigFromEnv({ AGENTMESH_REQUIRE_GATEWAY: '1' }, {}).requireGatewayAssertion, true);
    assert.equal(runtimeConfigFromEnv({ AGENTMESH_REQUIRE_GATEWAY: '' }, {}).requireGatewayAssertion, undefined);
    assert.throws(() => runtimeConfigFromEnv({ AGENTMESH_DEDUPE_MESSAGE_IDS: 'yes' }, {}), /AGENTMESH_DEDUPE_MESSAGE_IDS must be 1 or 0, got "yes"/);
  });
});
