/**
 * Run as a child process (`node --import ../../scripts/ts-hooks.mjs grpc-lazy-probe.ts`): starts a
 * runtime without gRPC, then one with it, and prints whether grpc-js was
 * loaded after each (CommonJS, so an import of it lands in the require cache).
 * One process answers both: what the first runtime loaded is all there is
 * when it is asked, and the second only adds to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../src/runtime/index.js';
import { testAgent } from './runtime-fixture.js';

const grpcLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`${join('@grpc', 'grpc-js')}`));

async function startAndClose(grpc: boolean): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-lazy-'));
  const runtime = await createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...(grpc ? { grpcPort: 0 } : {}) } });
  await runtime.listen();
  const loaded = grpcLoaded();
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
  return loaded;
}

const without = await startAndClose(false);
const withGrpc = await startAndClose(true);
process.stdout.write(`${JSON.stringify({ without, with: withGrpc })}\n`);
