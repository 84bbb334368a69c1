/**
 * Target (c): the agentmesh runtime hosting one agent on its durable SQLite
 * store, answering the same SendMessage as the SDK target with a completed
 * task carrying one text artifact.
 */
import { createRuntime, defineAgent } from '../../src/runtime/index.js';
import { serveTarget } from '../serve-target.js';

/**
 * One agent for both scenarios. The skill calls no `ctx.progress`: observed
 * on the runtime, a stream already carries the Task, the working status, the
 * artifact update and the completed status (A2A §3.1.2), the 4 events the
 * streaming scenario calls for, as the SDK target sends. The harness checks
 * the count before loading, so a runtime change that alters it shows up.
 */
const benchAgent = defineAgent({
  card: { name: 'bench', description: 'Benchmark agent', version: '1.0.0' },
  skills: {
    echo: {
      description: 'Answers with one text artifact',
      handler: async (_input, ctx) => {
        ctx.artifact({ name: 'answer', parts: [{ text: 'lead 42 scored 87' }] });
      },
    },
  },
});

serveTarget(async ({ dataDir, scenario }) => {
  if (dataDir === undefined) {
    throw new Error('the agentmesh target needs a dataDir for its SQLite store');
  }
  const runtime = await createRuntime({
    agents: [benchAgent],
    // The gRPC scenario serves the gRPC binding too (off by default, not loaded otherwise).
    config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', ...(scenario === 'grpc-send' ? { grpcPort: 0 } : {}) },
  });
  const { url, grpc } = await runtime.listen();
  if (scenario === 'grpc-send') {
    const target = grpc?.['bench'];
    if (target === undefined) throw new Error('the runtime reported no gRPC target');
    return { url: target, close: () => runtime.close() };
  }
  return { url, close: () => runtime.close() };
});
