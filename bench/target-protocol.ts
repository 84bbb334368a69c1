/**
 * The IPC messages between the bench harness (`run.ts`) and a target process.
 *
 * Each server under test runs in its own forked process so that it never
 * shares an event loop (or a CPU slice it could hide) with autocannon. The
 * harness sends one `start`, the target answers `ready` with its URL, then
 * the harness may ask for `memory` samples and finally sends `stop`.
 */

/** Which request mix a target must be prepared to answer; `grpc-send` is SendMessage over gRPC (the target's `url` is then a gRPC target, host:port). */
export type ScenarioName = 'sendmessage' | 'streaming' | 'grpc-send';

/** Harness → target: configure and start listening on 127.0.0.1, port 0. */
export interface StartMessage {
  type: 'start';
  scenario: ScenarioName;
  /**
   * Fixed response body for the bare `node:http` target: the exact bytes the
   * SDK target answered to one SendMessage, so the byte count matches.
   */
  fixedBody?: string;
  /** Directory the target may write to (the agentmesh SQLite file lives there). */
  dataDir?: string;
}

/** Harness → target: force a GC when exposed, then report memory. */
export interface MemoryRequestMessage {
  type: 'memory';
}

/** Harness → target: report the CPU time (user + system) used so far. */
export interface CpuRequestMessage {
  type: 'cpu';
}

/** Harness → target: close the server and exit. */
export interface StopMessage {
  type: 'stop';
}

/** Any message the harness sends to a target. */
export type HarnessMessage = StartMessage | MemoryRequestMessage | CpuRequestMessage | StopMessage;

/** Target → harness: listening; `url` is where JSON-RPC requests go. */
export interface ReadyMessage {
  type: 'ready';
  url: string;
}

/** Target → harness: a memory sample taken after a forced GC when available. */
export interface MemorySampleMessage {
  type: 'memory';
  rssBytes: number;
  /** The process's highest RSS so far (`process.resourceUsage().maxRSS`): what it needed at its worst. */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** False when the target was started without `--expose-gc`. */
  gcForced: boolean;
}

/** Target → harness: CPU time used by the process so far, µs (all its threads). */
export interface CpuSampleMessage {
  type: 'cpu';
  micros: number;
}

/** Target → harness: the target could not start. */
export interface FailedMessage {
  type: 'failed';
  message: string;
}

/** Any message a target sends to the harness. */
export type TargetMessage = ReadyMessage | MemorySampleMessage | CpuSampleMessage | FailedMessage;
