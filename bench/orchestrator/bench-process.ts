/**
 * Harness side of the orchestrator part's child processes: forks the
 * compiled `orchestrator-target.js`, waits for its URLs, asks it for call
 * counts or CPU time, and stops it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { CallCounts } from './bench-agents.js';
import type { ChildMessage, HarnessMessage, StartMessage } from './target-messages.js';
import { nextChildMessage } from '../child-message.js';

const START_TIMEOUT_MS = 30_000;
const ANSWER_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** A round of the loop: 100,000 items on a loaded host take tens of seconds. */
const LOOP_TIMEOUT_MS = 600_000;

/** A running child of the orchestrator part. */
export interface BenchProcess {
  /** What it listens on: agent name → URL (agents), `orchestrator`, or `registry` and `gateway`. */
  readonly urls: Readonly<Record<string, string>>;
  /** Calls its agents received (agents only); `reset` zeroes them after answering. */
  counts(reset?: boolean): Promise<CallCounts>;
  /** User + system CPU time of the process so far, ms. */
  cpuMs(): Promise<number>;
  /** Resident set size of the process now, bytes. */
  rssBytes(): Promise<number>;
  /** The process's heap after a full collection (what it keeps alive), bytes. */
  liveHeapBytes(): Promise<number>;
  /** The loop only: sends `batches`, `concurrency` at a time; its wall time (ms) and CPU time (ms) on them. */
  loop(batches: number[][], concurrency: number): Promise<{ ms: number; cpuMs: number }>;
  stop(): Promise<void>;
}

/** The child's next message of one of `types` (see {@link nextChildMessage}). */
function answer<T extends ChildMessage['type']>(child: ChildProcess, types: readonly T[], timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
  return nextChildMessage<ChildMessage, T>(child, types, timeoutMs, 'orchestrator bench child');
}

/**
 * Forks a child and starts its role.
 *
 * @example
 * ```ts
 * const agents = await startBenchProcess({ type: 'start', kind: 'agents', dataDir });
 * const url = agents.urls['bench-noop'];
 * await agents.stop();
 * ```
 */
export async function startBenchProcess(start: StartMessage): Promise<BenchProcess> {
  // BENCH_ORCHESTRATOR_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the orchestrator's processes.
  const profile = start.kind === 'orchestrator' ? (process.env['BENCH_ORCHESTRATOR_NODE_OPTIONS']?.split(' ').filter((flag) => flag !== '') ?? []) : [];
  const child = fork(fileURLToPath(new URL('./orchestrator-target.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: start.kind === 'orchestrator' ? ['--expose-gc', ...profile] : profile });
  // A send to a child that just died emits 'error'; the pending answer's exit handler reports it.
  child.on('error', () => {});
  const post = (message: HarnessMessage): void => {
    child.send(message);
  };
  try {
    const ready = answer(child, ['ready', 'failed'], START_TIMEOUT_MS);
    post(start);
    const reply = await ready;
    if (reply.type === 'failed') throw new Error(`the ${start.kind} process failed to start: ${reply.message}`);
    return {
      urls: Object.freeze({ ...reply.urls }),
      async counts(reset = false) {
        const counts = answer(child, ['counts'], ANSWER_TIMEOUT_MS);
        post({ type: 'counts', reset });
        return (await counts).counts;
      },
      async cpuMs() {
        const cpu = answer(child, ['cpu'], ANSWER_TIMEOUT_MS);
        post({ type: 'cpu' });
        return (await cpu).micros / 1000;
      },
      async rssBytes() {
        const memory = answer(child, ['memory'], ANSWER_TIMEOUT_MS);
        post({ type: 'memory' });
        return (await memory).rss;
      },
      async liveHeapBytes() {
        const memory = answer(child, ['memory'], ANSWER_TIMEOUT_MS);
        post({ type: 'memory', collect: true });
        return (await memory).heap;
      },
      async loop(batches, concurrency) {
        const looped = answer(child, ['looped', 'loop-failed'], LOOP_TIMEOUT_MS);
        post({ type: 'loop', batches, concurrency });
        const reply = await looped;
        if (reply.type === 'loop-failed') throw new Error(reply.message);
        return { ms: reply.ms, cpuMs: reply.cpuMicros / 1000 };
      },
      stop: () => stop(child),
    };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send({ type: 'stop' } satisfies HarnessMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
