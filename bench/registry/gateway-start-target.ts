/**
 * Child process of the registry benchmark: a new gateway started against the
 * registry, in a process of its own as a gateway runs in production. (Started
 * inside the bench process, the gateway shared a heap with the 100,000
 * registration bodies the bench sent, and every collection marked them too.)
 * Reports how long it took until its routing cache was loaded and the last
 * agent routed, then exits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../../src/gateway/index.js';
import { startPhaseProfiler } from './cpu-profile.js';

process.once('message', async (message: { type: 'start'; registryUrl: string; lastAgent: string }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentmesh-bench-gateway-'));
  const profiler = await startPhaseProfiler();
  const started = performance.now();
  const gateway = await createGateway({ config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', registryUrl: message.registryUrl, adminToken: 'bench-admin-token-0123456789abcdef', dev: true, allowHosts: ['127.0.0.1', 'localhost'] } });
  try {
    await gateway.listen();
    // listen() waits for the first load up to its start timeout; past it, keep waiting on the follower itself.
    while (!gateway.router.ready() || gateway.router.agent(message.lastAgent) === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (performance.now() - started) / 1000;
    await profiler?.write('gateway-load');
    process.send?.({ type: 'routed', seconds, rssMb: process.memoryUsage().rss / 1e6 });
  } finally {
    await gateway.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.disconnect();
});
process.on('disconnect', () => process.exit(0));
