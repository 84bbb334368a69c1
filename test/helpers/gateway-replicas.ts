import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import { fleetGatewayEnv, startChildGateway } from './child-gateway.js';
import { freePort } from './free-port.js';
import { ADMIN_TOKEN, startGateway } from './gateway-fixture.js';

/** One deployment's shared settings: its PostgreSQL schema and its key-encryption secret. */
export interface Deployment {
  registryUrl: string;
  databaseUrl: string;
  secret: string;
}

/**
 * Starts replica A of a deployment in this process, on a port of its own and with its URL as the
 * deployment's public URL, so tokens either replica issues work on both and agents check assertions
 * against A's JWKS. A starts first: it migrates the schema and creates the signing key the other
 * replica then loads.
 */
async function startFirstReplica(deployment: Deployment, config: GatewayConfigInput) {
  const [portA, portB] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${portA}`;
  const a = await startGateway(deployment.registryUrl, { port: portA, publicUrl, databaseUrl: deployment.databaseUrl, keyEncryptionSecret: deployment.secret, ...config });
  return { a, portB, publicUrl, jwksUrl: `${publicUrl}/.well-known/jwks.json` };
}

/** A and B as one pair: `close()` stops B, then A, then runs `cleanUp`. */
function replicaPair<B extends { close: () => Promise<void> }>(first: Omit<Awaited<ReturnType<typeof startFirstReplica>>, 'portB'>, b: B, cleanUp: () => void = () => {}) {
  const { a, publicUrl, jwksUrl } = first;
  const close = async (): Promise<void> => {
    await b.close();
    await a.close();
    cleanUp();
  };
  return { a, b, publicUrl, jwksUrl, close };
}

/**
 * Two gateway replicas of one deployment, both in this process, over one database (see
 * {@link startFirstReplica}); `config` is added to both. `close()` stops B, then A.
 */
export async function startGatewayReplicas(deployment: Deployment, config: GatewayConfigInput = {}) {
  const { a, portB, publicUrl, jwksUrl } = await startFirstReplica(deployment, config);
  const b = await startGateway(deployment.registryUrl, { port: portB, publicUrl, databaseUrl: deployment.databaseUrl, keyEncryptionSecret: deployment.secret, ...config });
  return replicaPair({ a, publicUrl, jwksUrl }, b);
}

/**
 * Two gateway replicas of one deployment on PostgreSQL and `redisUrl`: A in this process (with
 * `config`), B a real `agentmesh serve gateway` child (with `childEnv` added to the fleet's
 * environment) that a test can kill. `close()` stops B (unless it is gone already), then A, and
 * removes B's data directory.
 */
export async function startGatewayAndChildReplica(deployment: Deployment & { redisUrl: string }, config: GatewayConfigInput = {}, childEnv: Record<string, string> = {}) {
  const { a, portB, publicUrl, jwksUrl } = await startFirstReplica(deployment, { redisUrl: deployment.redisUrl, ...config });
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-gateway-b-'));
  try {
    const b = await startChildGateway(
      {
        HOST: '127.0.0.1',
        GATEWAY_PUBLIC_URL: publicUrl,
        ...fleetGatewayEnv({ databaseUrl: deployment.databaseUrl, redisUrl: deployment.redisUrl, secret: deployment.secret, adminToken: ADMIN_TOKEN, registryUrl: deployment.registryUrl }),
        ...childEnv,
      },
      portB,
      dataDir,
    );
    return replicaPair({ a, publicUrl, jwksUrl }, b, () => rmSync(dataDir, { recursive: true, force: true }));
  } catch (err) {
    await a.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
