/**
 * A role that fails at start-up exits non-zero at once, whatever
 * backends are configured. With REDIS_URL set, the Redis connections opened
 * before the failure used to keep the process alive, not listening, forever.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../src/gateway/index.js';
import { FLEET_STORAGE_SECRET } from '../helpers/runtime-replica.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason, type TestSchema } from '../helpers/services.js';
import { runToExit } from '../helpers/child-output.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

describe('a role that fails to start exits non-zero', { skip }, () => {
  let busy: Server;
  let port: number;
  let schema: TestSchema;
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmesh-startfail-'));
    dirs.push(dir);
    return dir;
  };
  before(async () => {
    busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    port = (busy.address() as AddressInfo).port;
    schema = await createTestSchema();
  });
  after(async () => {
    busy.close();
    await schema.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const backends of ['redis', 'redis+postgres'] as const) {
    // One AGENTMESH_SECRET for every role on the schema, as for a fleet: else the second runtime refuses it (ADR 0027).
    // Redis alone means no PostgreSQL at all: the tier's own DATABASE_URL is not inherited (its shared database holds
    // other tests' push configs, sealed under other secrets, which a runtime rightly refuses to start on).
    const env = () => ({ REDIS_URL, ...(backends === 'redis+postgres' ? { DATABASE_URL: schema.url, AGENTMESH_SECRET: FLEET_STORAGE_SECRET } : { DATABASE_URL: undefined, DATABASE_MIGRATION_URL: undefined }) });
    for (const role of ['registry', 'agents', 'gateway', 'orchestrator'] as const) {
      test(`serve ${role} on a port in use (${backends})`, async () => {
        const { code, output } = await runToExit(['serve', role, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir()], { ...env(), GATEWAY_SECRET: 'x'.repeat(40), GATEWAY_METRICS_PORT: '0', REGISTRY_URL: 'http://127.0.0.1:9' });
        assert.notEqual(code, 0, output);
        assert.match(output, /EADDRINUSE|in use/i);
      });
    }
  }

  test('serve agents with a signing key that is not a key (redis+postgres)', async () => {
    const { code, output } = await runToExit(['serve', 'agents', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir()], { REDIS_URL, DATABASE_URL: schema.url, AGENTMESH_SECRET: FLEET_STORAGE_SECRET, AGENTMESH_SIGNING_KEY: 'not a PEM' });
    assert.notEqual(code, 0, output);
    assert.doesNotMatch(output, /AGENTMESH_SECRET/, 'refused for its key, not its secret');
  });

  test('serve gateway whose keys cannot be decrypted with GATEWAY_SECRET (redis+postgres)', async () => {
    const dir = dataDir();
    // A schema of its own: the port-in-use gateways above stored keys under another secret.
    const own = await createTestSchema();
    after(() => own.drop());
    const first = await createGateway({ config: { port: 0, host: '127.0.0.1', dataDir: dir, databaseUrl: own.url, redisUrl: REDIS_URL, keyEncryptionSecret: 'a'.repeat(40), logLevel: 'silent', metricsPort: 0 } });
    await first.close();
    const { code, output } = await runToExit(['serve', 'gateway', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], { REDIS_URL, DATABASE_URL: own.url, GATEWAY_SECRET: 'b'.repeat(40), GATEWAY_METRICS_PORT: '0' });
    assert.notEqual(code, 0, output);
    assert.match(output, /^error: /m);
  });
});
