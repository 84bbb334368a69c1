/**
 * `serve gateway --workers n` with n > 1 needs PostgreSQL and Redis (each
 * worker is a gateway replica): on the embedded defaults it exits non-zero
 * at once, naming what to set, before it opens or forks anything; workers
 * that fail at start-up end the primary non-zero.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import { isolatedChildEnv } from '../../helpers/isolated-cli-env.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

describe('agentmesh serve gateway --workers without PostgreSQL and Redis', () => {
  it('exits non-zero naming DATABASE_URL and REDIS_URL, having started nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-workers-refused-'));
    try {
      const env = isolatedChildEnv({ LOG_LEVEL: 'warn' });
      const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'gateway', '--workers', '2', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 1, output);
      assert.match(output, /^error: 2 gateway workers \(--workers or GATEWAY_WORKERS\) are 2 gateway replicas, which share their state: set DATABASE_URL=postgres:\/\/… .* and REDIS_URL=redis:\/\/…/m);
      assert.doesNotMatch(output, /listening/);
      assert.deepEqual(readdirSync(dataDir), [], 'no database, secret or key was created');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('workers that cannot start (PostgreSQL unreachable) end the primary non-zero instead of being forked forever', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-workers-failing-'));
    try {
      const env = isolatedChildEnv({ LOG_LEVEL: 'warn', GATEWAY_METRICS_PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', REDIS_URL: 'redis://127.0.0.1:9' });
      const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'gateway', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 1, output);
      assert.match(output, /^error: gateway worker \d \(pid \d+\) exited with code 1 before the gateway was ready/m);
      assert.doesNotMatch(output, /listening on/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL without Redis is refused naming REDIS_URL; a count that is no number is a usage error (2)', async () => {
    let err = '';
    const io = { stdout: { write: () => undefined }, stderr: { write: (s: string) => (err += s) } };
    assert.equal(await runCli(['serve', 'gateway', '--workers', '2'], { ...io, env: { DATABASE_URL: 'postgres://127.0.0.1:9/none' } }), 1);
    assert.match(err, /set REDIS_URL=redis:\/\/…/);
    assert.doesNotMatch(err, /DATABASE_URL=/);
    err = '';
    assert.equal(await runCli(['serve', 'gateway', '--workers', 'nine'], { ...io, env: {} }), 2);
    assert.match(err, /--workers must be auto or a whole number from 1 to 256, got "nine"/);
  });
});
