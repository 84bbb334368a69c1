/**
 * A role that fails at start-up exits non-zero at once, whatever
 * backends are configured. With REDIS_URL set, the Redis connections opened
 * before the failure used to keep the process alive, not listening, forever.
 *
 * The decision this pins is in docs/conformance.md.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../src/gateway/index.js';
import { FLEET_STORAGE_SECRET } from '../helpers/runtime-replica.js';
import { REDIS_URL, createTestSchema, postgresSkipReason, redisSkipReason, type TestSchema } from '../helpers/services.js';

const skip = (await postgresSkipReason()) || (await redisSkipReason());

/** The bound the issue sets: a failed start is over within 5 s. */
const EXIT_BOUND_MS = 5_000;

/** Runs `agentmesh …`, resolving with its exit code and output; kills it (and fails) if it is still alive after EXIT_BOUND_MS. */
async function runToExit(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // The bound runs from the CLI's error report (`error: …`): compiling the CLI under tsx is not the role's start-up.
  let bound: NodeJS.Timeout | undefined;
  const onOutput = (c: Buffer) => {
    output += c.toString();
    if (bound === undefined && /^error: /m.test(output)) bound = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(bound);
  assert.equal(signal, null, `still running ${EXIT_BOUND_MS} ms after its error, killed; output: ${output}`);
  return { code, output };
}

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
    const env = () => ({ REDIS_URL, ...(backends === 'redis+postgres' ? { DATABASE_URL: schema.url, AGENTMESH_SECRET: FLEET_STORAGE_SECRET } : {}) });
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
