/**
 * `agentmesh serve gateway` as a child process (a replica another test
 * process can kill with SIGKILL), run from the sources (TS_CHILD_ARGV).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './child-output.js';
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
