import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleAgents } from '../../agents/index.js';
import { createRegistry } from '../../src/registry/index.js';
import { createRuntime } from '../../src/runtime/index.js';

/** A registry and a runtime hosting the example agents, registered and healthy, as `agentmesh up` has them. */
export async function startMesh(): Promise<{ registryUrl: string; close: () => Promise<void> }> {
  const registryDir = await mkdtemp(join(tmpdir(), 'agentmesh-eval-registry-'));
  const runtimeDir = await mkdtemp(join(tmpdir(), 'agentmesh-eval-runtime-'));
  const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir: registryDir, logLevel: 'silent', dev: true, allowHosts: ['127.0.0.1', 'localhost'], probeIntervalMs: 100 } });
  const { url: registryUrl } = await registry.listen();
  const runtime = await createRuntime({ agents: [...exampleAgents], config: { port: 0, host: '127.0.0.1', dataDir: runtimeDir, logLevel: 'silent', registryUrl, shutdownDeadlineMs: 1000 } });
  await runtime.listen();
  const close = async (): Promise<void> => {
    await runtime.close();
    await registry.close();
    await rm(runtimeDir, { recursive: true, force: true });
    await rm(registryDir, { recursive: true, force: true });
  };
  try {
    await untilHealthy(registryUrl, exampleAgents.length);
  } catch (err) {
    await close();
    throw err;
  }
  return { registryUrl, close };
}

/** Polls the registry until `count` agents are healthy (30 s at most): health orders the router's ties. */
async function untilHealthy(registryUrl: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${registryUrl}/v1/agents?health=healthy&pageSize=100`);
    const body = (await response.json()) as { totalSize?: number };
    if (body.totalSize === count) return;
    if (Date.now() > deadline) throw new Error(`only ${body.totalSize ?? 0} of ${count} agents became healthy in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

