/**
 * IPC between the orchestrator part's harness and its child processes
 * (`orchestrator-target.ts`). Every process serves one role: `agents` (a
 * runtime hosting the bench agents), `orchestrator`, `control` (a
 * registry and a gateway, for the gateway path), or `loop` (the maps'
 * anchor: a plain loop sending the batches, in a process of its own as the
 * orchestrator is).
 */
import type { CallCounts } from './bench-agents.js';

/** Where a fleet's processes share state: one PostgreSQL database, one Redis and a bus stream key of the run's own. */
export interface FleetState {
  databaseUrl: string;
  redisUrl: string;
  stream: string;
}

/** Start an agents runtime; with `registryUrl` it registers there, with `jwksUrl` it trusts the gateway's assertions, with `fleet` it keeps its state there. */
export interface StartAgents {
  type: 'start';
  kind: 'agents';
  dataDir: string;
  fleet?: FleetState;
  registryUrl?: string;
  jwksUrl?: string;
}

/** Start the orchestrator calling agents straight at `agentUrls` (round robin over each agent's instances), or through a gateway. */
export interface StartOrchestrator {
  type: 'start';
  kind: 'orchestrator';
  dataDir: string;
  fleet?: FleetState;
  agentUrls?: Record<string, string[]>;
  /** Through the gateway with this OAuth client, calling for `tenant` (the orchestrator's `anonymousTenant`). */
  gateway?: { url: string; clientId: string; clientSecret: string; tenant: string };
}

/** Start a registry and a gateway in one process. */
export interface StartControl {
  type: 'start';
  kind: 'control';
  dataDir: string;
  adminToken: string;
}

/** Start the maps' anchor: a plain loop calling `agentUrls` in turn, from a process of its own. */
export interface StartLoop {
  type: 'start';
  kind: 'loop';
  dataDir: string;
  agentUrls: string[];
}

export type StartMessage = StartAgents | StartOrchestrator | StartControl | StartLoop;

/**
 * Harness → child. `counts` (agents only) answers `counts` and resets them with `reset: true`; `cpu` answers the
 * process's CPU time, `memory` its resident set and heap, after a full collection with `collect: true` (the live heap).
 */
export type HarnessMessage =
  | StartMessage
  | { type: 'counts'; reset?: boolean }
  | { type: 'cpu' }
  | { type: 'memory'; collect?: boolean }
  /** The loop only: send each batch as one call's data part (`{ items }`), `concurrency` at a time; answered with `looped`. */
  | { type: 'loop'; batches: number[][]; concurrency: number }
  | { type: 'stop' };

/** Child → harness. */
export type ChildMessage =
  | { type: 'ready'; urls: Record<string, string> }
  | { type: 'failed'; message: string }
  | { type: 'counts'; counts: CallCounts }
  /** User + system CPU time since the process started, microseconds. */
  | { type: 'cpu'; micros: number }
  /** Resident set size now, bytes. */
  | { type: 'memory'; rss: number; heap: number }
  /** The loop's wall time for the batches, ms, and the CPU time it spent on them, µs. */
  | { type: 'looped'; ms: number; cpuMicros: number }
  | { type: 'loop-failed'; message: string };
