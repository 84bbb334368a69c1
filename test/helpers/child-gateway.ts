/**
 * `agentmesh serve gateway` as a child process (a replica another test
 * process can kill with SIGKILL), run from the sources (TS_CHILD_ARGV).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCli, stopChild, waitForOutput } from './child-output.js';
import { freePort } from './free-port.js';
import { isolatedChildEnv } from './isolated-cli-env.js';
import { TS_CHILD_ARGV } from './typescript-child.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The environment of a gateway replica of a test fleet: PostgreSQL schema and
 * Redis shared, the fleet's key-encryption secret and the tests' admin token,
 * in dev mode on this machine (its metrics listener on any free port).
 */
export function fleetGatewayEnv(fleet: { databaseUrl: string; redisUrl: string; secret: string; adminToken: string; registryUrl: string }): Record<string, string> {
  return {
    GATEWAY_METRICS_PORT: '0',
    DATABASE_URL: fleet.databaseUrl,
    REDIS_URL: fleet.redisUrl,
    GATEWAY_SECRET: fleet.secret,
    GATEWAY_ADMIN_TOKEN: fleet.adminToken,
    REGISTRY_URL: fleet.registryUrl,
    LOG_LEVEL: 'warn',
    AGENTMESH_DEV: '1',
    AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
  };
}

/** `agentmesh serve gateway` as a child process; resolves when it says it listens. */
export async function startChildGateway(env: Record<string, string>, port: number, dataDir: string): Promise<{ child: ChildProcess; url: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...TS_CHILD_ARGV, 'src/cli/bin.ts', 'serve', 'gateway', '--port', String(port), '--data-dir', dataDir], {
    cwd: REPO,
    env: isolatedChildEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForOutput(child, /gateway listening on /, 'serve gateway');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await stopChild(child, 'SIGTERM');
    },
  };
}

/** A gateway process of {@link startSqliteChildGateway}. */
export interface SqliteChildGateway {
  url: string;
  /** Its SQLite data dir (the audit log a test reads once the process stopped). */
  dataDir: string;
  /** Stops the process (SIGTERM) and resolves with its exit code; the data dir stays. */
  stop(): Promise<number | null>;
  /** Stops it and removes its data dir. */
  close(): Promise<void>;
}

/**
 * `agentmesh serve gateway` alone on SQLite in a data dir of its own, in dev mode on this machine,
 * with `env` added (its admin token, secret, registry): for the tests of what only the real process
 * does (its settings read from the environment, its own listener). Resolves when it says it listens.
 */
export async function startSqliteChildGateway(env: Record<string, string>): Promise<SqliteChildGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-child-gateway-'));
  const port = await freePort();
  const child = spawnCli(['serve', 'gateway', '--port', String(port), '--data-dir', dataDir], {
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    GATEWAY_METRICS_PORT: '0',
    AGENTMESH_DEV: '1',
    AGENTMESH_ALLOW_HOSTS: '127.0.0.1,localhost',
    ...env,
  });
  const stop = () => stopChild(child, 'SIGTERM');
  const close = async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(child, /gateway listening on /, 'serve gateway');
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, dataDir, stop, close };
}
