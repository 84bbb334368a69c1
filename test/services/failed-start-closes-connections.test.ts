/**
 * A composition root whose start-up fails after it opened
 * connections closes them (its DisposerStack), so nothing holds the process.
 * Counted as the process's TCP handles: the bus's and the quotas' Redis
 * connections and the PostgreSQL pool are sockets.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../src/gateway/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { testAgent } from '../helpers/runtime-fixture.js';
import { until } from '../helpers/until.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason } from '../helpers/services.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('a start-up that fails late closes what it opened', { skip }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentmesh-latefail-'));
    dirs.push(dir);
    return dir;
  };

  test('createGateway with a card key file that is not a key (after identity, audit, router, credits)', async (t) => {
    const schema = await createTestSchema();
    t.after(() => schema.drop());
    const dir = dataDir();
    writeFileSync(join(dir, 'gateway-card-key.pem'), 'not a key');
    const before = sockets();
    await assert.rejects(createGateway({ config: { port: 0, host: '127.0.0.1', dataDir: dir, databaseUrl: schema.url, redisUrl: REDIS_URL, keyEncryptionSecret: 'a'.repeat(40), logLevel: 'silent', metricsPort: 0 } }));
    await until('the Redis and PostgreSQL sockets are closed', () => sockets() <= before);
  });

  test('createRuntime with a signing key that is not a key (after database, bus, stores, tracing)', async (t) => {
    const schema = await createTestSchema();
    t.after(() => schema.drop());
    const before = sockets();
    await assert.rejects(createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir: dataDir(), databaseUrl: schema.url, redisUrl: REDIS_URL, signingKeyPem: 'not a PEM', logLevel: 'silent' } }));
    await until('the Redis and PostgreSQL sockets are closed', () => sockets() <= before);
  });
});
