/**
 * Harness side of a target: forks the compiled target script with
 * `--expose-gc`, waits for its URL, samples its memory on request and stops
 * it. Keeping the server in its own process means autocannon and the server
 * compete only for CPU cores, never for one event loop.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessMessage, MemorySampleMessage, ScenarioName, StartMessage, TargetMessage } from './target-protocol.js';
import { nextChildMessage } from './child-message.js';

/** The three servers the benchmark compares. */
export type TargetId = 'a' | 'b' | 'c';

/** Static description of a target. */
export interface TargetInfo {
  id: TargetId;
  /** Short name used in tables and summaries. */
  name: string;
  description: string;
  /** Compiled script, relative to this module (`dist/bench/`). */
  script: string;
}

/** The targets, in the order the issue names them. */
export const TARGETS: Readonly<Record<TargetId, TargetInfo>> = Object.freeze({
  a: { id: 'a', name: 'bare', description: 'bare node:http, fixed body', script: './targets/bare-http.js' },
  b: { id: 'b', name: 'sdk', description: '@a2a-js/sdk 1.3 + express, InMemoryTaskStore', script: './targets/sdk-server.js' },
  c: { id: 'c', name: 'agentmesh', description: 'agentmesh runtime, durable SQLite store', script: './targets/agentmesh.js' },
});

/** Memory of a target process, in bytes. */
export interface MemorySample {
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
  gcForced: boolean;
}

/** A running target process. */
export interface TargetProcess {
  readonly info: TargetInfo;
  /** Where JSON-RPC requests go. */
  readonly url: string;
  /** Forces a GC in the target (when exposed) and samples its memory. */
  sampleMemory(): Promise<MemorySample>;
  /** CPU time the target process has used so far (user + system, all threads), µs. */
  cpuMicros(): Promise<number>;
  /** Asks the target to close, and kills it if it does not exit in time. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

function send(child: ChildProcess, message: HarnessMessage): void {
  child.send(message);
}

/** The target's next IPC message of one of `types` (see {@link nextChildMessage}). */
function nextMessage<T extends TargetMessage['type']>(child: ChildProcess, types: readonly T[], timeoutMs: number): Promise<Extract<TargetMessage, { type: T }>> {
  return nextChildMessage<TargetMessage, T>(child, types, timeoutMs, 'target');
}

/**
 * Forks a target and waits until it listens.
 *
 * @example
 * ```ts
 * const target = await startTarget({ info: TARGETS.b, start: { type: 'start', scenario: 'sendmessage' } });
 * // ... load target.url ...
 * await target.stop();
 * ```
 */
export async function startTarget({ info, start }: { info: TargetInfo; start: StartMessage }): Promise<TargetProcess> {
  const script = fileURLToPath(new URL(info.script, import.meta.url));
  const child = fork(script, [], {
    // --expose-gc lets memory samples measure retained memory, not pending garbage.
    // BENCH_TARGET_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the targets.
    execArgv: ['--expose-gc', ...(process.env['BENCH_TARGET_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  // A send to a child that just died emits 'error'; its 'exit' already
  // rejects the pending wait with a clearer message, so only keep the harness alive.
  child.on('error', () => {});
  try {
    const answer = nextMessage(child, ['ready', 'failed'], START_TIMEOUT_MS);
    send(child, start);
    const reply = await answer;
    if (reply.type === 'failed') throw new Error(`${info.name} failed to start: ${reply.message}`);
    const url = reply.url;
    return {
      info,
      url,
      async sampleMemory(): Promise<MemorySample> {
        const answer = nextMessage(child, ['memory'], START_TIMEOUT_MS);
        send(child, { type: 'memory' });
        const { rssBytes, peakRssBytes, heapUsedBytes, gcForced }: MemorySampleMessage = await answer;
        return { rssBytes, peakRssBytes, heapUsedBytes, gcForced };
      },
      async cpuMicros(): Promise<number> {
        const answer = nextMessage(child, ['cpu'], START_TIMEOUT_MS);
        send(child, { type: 'cpu' });
        return (await answer).micros;
      },
      async stop(): Promise<void> {
        await stopChild(child, exited);
      },
    };
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
}

/**
 * Starts a target with a fresh data directory, hands it to `use`, and always
 * stops it and removes the directory afterwards.
 */
export async function withTarget<T>(
  { id, scenario, dataRoot, fixedBody }: { id: TargetId; scenario: ScenarioName; dataRoot: string; fixedBody?: string },
  use: (target: TargetProcess) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(join(dataRoot, `${TARGETS[id].name}-`));
  try {
    const target = await startTarget({
      info: TARGETS[id],
      start: { type: 'start', scenario, dataDir, ...(fixedBody === undefined ? {} : { fixedBody }) },
    });
    try {
      return await use(target);
    } finally {
      await target.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) send(child, { type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
