import type { AgentDefinition, RuntimeConfigInput } from '../../src/runtime/index.js';
import { startRuntimeReplica, stopRuntimeReplica, type RuntimeReplica } from './runtime-replica.js';
import { createTestSchema, deleteRedisKey, uniqueStreamKey, type TestSchema } from './services.js';
import { proxyInFrontOf, type TcpProxy } from './tcp-proxy.js';

/** A runtime replica on a test schema and Redis stream of its own, reaching PostgreSQL through a proxy the test controls. */
export interface ProxiedReplica {
  schema: TestSchema;
  stream: string;
  proxy: TcpProxy;
  replica: RuntimeReplica;
  /** Stops the replica and the proxy, deletes the stream and drops the schema. */
  close(): Promise<void>;
}

/**
 * Starts {@link ProxiedReplica}: the faults a test injects with `proxy` (a reset right after COMMIT,
 * a dropped write) reach this replica's connections only; the test reads the schema directly.
 */
export async function startProxiedReplica(agents: AgentDefinition[], config: RuntimeConfigInput = {}): Promise<ProxiedReplica> {
  const schema = await createTestSchema();
  const stream = uniqueStreamKey();
  const proxied = await proxyInFrontOf(schema.url, 5432);
  const close = async (replica?: RuntimeReplica) => {
    await stopRuntimeReplica(replica);
    await proxied.proxy.close();
    await deleteRedisKey(stream);
    await schema.drop();
  };
  try {
    const replica = await startRuntimeReplica({ ...schema, url: proxied.url }, stream, agents, config);
    return { schema, stream, proxy: proxied.proxy, replica, close: () => close(replica) };
  } catch (err) {
    await close();
    throw err;
  }
}
