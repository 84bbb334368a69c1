/**
 * Child processes of the gateway benchmark: `control` runs a registry and a
 * gateway (quotas, credits, audit on), `runtime` the agent they front. Each
 * reports its URLs over IPC and exits on `stop` or when the harness leaves.
 */
import { createGateway } from '../../src/gateway/index.js';
import { createRegistry } from '../../src/registry/index.js';
import { createRuntime, defineAgent } from '../../src/runtime/index.js';

type Start = { type: 'start'; kind: 'control'; dataDir: string; adminToken: string } | { type: 'start'; kind: 'runtime'; dataDir: string; registryUrl: string; jwksUrl: string };

/** The bench agent of bench/targets/agentmesh.ts, priced at one credit per call. */
const benchAgent = defineAgent({
  card: { name: 'bench', description: 'Benchmark agent', version: '1.0.0' },
  registry: { skills: { echo: { pricing: { creditsPerCall: 1 } } } },
  skills: {
    echo: {
      description: 'Answers with one text artifact',
      handler: async (_input, ctx) => {
        ctx.artifact({ name: 'answer', parts: [{ text: 'lead 42 scored 87' }] });
      },
    },
  },
});

process.on('message', async (message: Start | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0);
  if (message.kind === 'control') {
    const registry = await createRegistry({ config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'warn', dev: true, allowHosts: ['127.0.0.1', 'localhost'] } });
    const { url: registryUrl } = await registry.listen();
    const gateway = await createGateway({
      config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'warn', registryUrl, adminToken: message.adminToken, dev: true, allowHosts: ['127.0.0.1', 'localhost'], tenantRequestsPerMinute: 10_000_000 },
    });
    const { url: gatewayUrl } = await gateway.listen();
    process.send?.({ type: 'ready', registryUrl, gatewayUrl });
    return;
  }
  const runtime = await createRuntime({
    agents: [benchAgent],
    config: { port: 0, host: '127.0.0.1', dataDir: message.dataDir, logLevel: 'warn', registryUrl: message.registryUrl, gatewayJwksUrl: message.jwksUrl },
  });
  const { url } = await runtime.listen();
  process.send?.({ type: 'ready', url });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
