import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type AgentDefinition, type Runtime, type RuntimeConfigInput } from '../../src/runtime/index.js';
import { RedisBus, createDatabase, type Database } from '../../src/storage/index.js';
import { REDIS_URL, createTestSchema, deleteRedisKey, uniqueStreamKey, type TestSchema } from './services.js';

/**
 * The AGENTMESH_SECRET of the test fleets: replicas sharing a database must
 * share it, or the second refuses to start (docs/adr/0027-push-backoff-per-origin.md).
 */
export const FLEET_STORAGE_SECRET = 'test-fleet-storage-secret-0123456789abcdef';

/** One runtime replica on shared PostgreSQL (a test schema) and Redis (a test stream). */
export interface RuntimeReplica {
  runtime: Runtime;
  database: Database;
  bus: RedisBus;
  dataDir: string;
  /** Each agent's base URL on this replica. */
  agents: Record<string, string>;
}

/**
 * Starts a replica with its own pool and bus connections, as a separate
 * process would have. `config` adds to port 0, 127.0.0.1, a silent log and
 * the fleet's secret; `redisUrl` puts a proxy the test controls before its bus.
 */
export async function startRuntimeReplica(schema: TestSchema, stream: string, agents: AgentDefinition[], config: RuntimeConfigInput = {}, redisUrl = REDIS_URL): Promise<RuntimeReplica> {
  const database = await createDatabase({ url: schema.url, poolSize: 4 });
  const bus = await RedisBus.connect({ url: redisUrl, stream });
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-replica-'));
  let runtime: Runtime | undefined;
  try {
    runtime = await createRuntime({ agents, config: { port: 0, host: '127.0.0.1', logLevel: 'silent', storageSecret: FLEET_STORAGE_SECRET, ...config, dataDir }, database, bus });
    const listening = await runtime.listen();
    return { runtime, database, bus, dataDir, agents: listening.agents };
  } catch (err) {
    // A replica that cannot start leaves no connection open: the test fails with its error instead of hanging.
    await runtime?.close();
    await bus.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops a replica and closes what it opened; undefined (a start that failed) is a no-op. */
export async function stopRuntimeReplica(r: RuntimeReplica | undefined): Promise<void> {
  if (!r) return;
  await r.runtime.close();
  await r.bus.close();
  await r.database.close();
  rmSync(r.dataDir, { recursive: true, force: true });
}

/**
 * Two replicas of `agents` (with `config`) on a new test schema and Redis stream, as two processes of
 * one fleet. `stop('a')` stops one mid-test (as its process going away); `close()` stops what still
 * runs, then deletes the stream and drops the schema.
 */
export async function startRuntimeReplicaPair(agents: AgentDefinition[], config: RuntimeConfigInput = {}) {
  const schema = await createTestSchema();
  const stream = uniqueStreamKey();
  const running: { a?: RuntimeReplica | undefined; b?: RuntimeReplica | undefined } = {};
  const stop = async (which: 'a' | 'b'): Promise<void> => {
    const replica = running[which];
    running[which] = undefined;
    await stopRuntimeReplica(replica);
  };
  const close = async (): Promise<void> => {
    await stop('a');
    await stop('b');
    await deleteRedisKey(stream);
    await schema.drop();
  };
  try {
    running.a = await startRuntimeReplica(schema, stream, agents, config);
    running.b = await startRuntimeReplica(schema, stream, agents, config);
  } catch (err) {
    await close();
    throw err;
  }
  return { schema, stream, a: running.a, b: running.b, stop, close };
}
