/**
 * Run as a child process (`node --import ../../scripts/ts-hooks.mjs grpc-lazy-probe.ts [grpc]`): starts
 * a runtime, with gRPC when asked, and prints whether grpc-js was loaded
 * (CommonJS, so an import of it lands in the require cache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../src/runtime/index.js';
import { testAgent } from './runtime-fixture.js';

const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-lazy-'));
const runtime = await createRuntime({ agents: [testAgent], config: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...(process.argv[2] === 'grpc' ? { grpcPort: 0 } : {}) } });
await runtime.listen();
const loaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`${join('@grpc', 'grpc-js')}`));
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ grpcLoaded: loaded })}\n`);
