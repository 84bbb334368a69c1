/**
 * Child-side glue shared by every target in `bench/targets/`: waits for the
 * harness's `start`, starts the server, answers memory requests and stops on
 * `stop` or when the harness goes away (so no orphan keeps a port busy).
 */
import type { HarnessMessage, StartMessage, TargetMessage } from './target-protocol.js';

/** A started server under test. */
export interface RunningTarget {
  /** URL that accepts the JSON-RPC POSTs. */
  url: string;
  close(): Promise<void>;
}

/** Starts one server under test for the given scenario. */
export type TargetStarter = (start: StartMessage) => Promise<RunningTarget>;

/**
 * Runs the IPC loop of a target process. Call it once from the target's
 * entry module; it resolves never, the process exits on `stop`.
 *
 * @example
 * ```ts
 * serveTarget(async () => { const server = ...; return { url, close } });
 * ```
 */
export function serveTarget(startTarget: TargetStarter): void {
  if (typeof process.send !== 'function') {
    throw new Error('a bench target must be started by the harness with child_process.fork (no IPC channel)');
  }
  const send = (message: TargetMessage): void => {
    process.send?.(message);
  };
  let running: RunningTarget | undefined;

  const shutdown = async (code: number): Promise<void> => {
    try {
      await running?.close();
    } finally {
      process.exit(code);
    }
  };

  process.on('message', (raw: HarnessMessage) => {
    switch (raw.type) {
      case 'start':
        startTarget(raw).then(
          (target) => {
            running = target;
            send({ type: 'ready', url: target.url });
          },
          (err: unknown) => {
            send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
          },
        );
        break;
      case 'memory': {
        // A forced full GC first, so the sample measures what the target
        // retains (e.g. stored tasks), not garbage it has not collected yet.
        const gcForced = typeof globalThis.gc === 'function';
        if (gcForced) globalThis.gc?.();
        const usage = process.memoryUsage();
        // maxRSS is in KiB (getrusage), and covers the whole life of the process.
        send({ type: 'memory', rssBytes: usage.rss, peakRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: usage.heapUsed, gcForced });
        break;
      }
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        send({ type: 'cpu', micros: user + system });
        break;
      }
      case 'stop':
        void shutdown(0);
        break;
    }
  });
  // The harness died or was interrupted: do not linger.
  process.on('disconnect', () => void shutdown(0));
}
