import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../observability/index.js';
import { RemovableList } from './removable-list.js';
import type { ProbeAnswers } from '../probes/probes.js';
import type { CertificateReloader } from '../tls/server-tls.js';

/** A function run when the server starts draining (end SSE streams, stop pollers). */
export type DrainHook = () => void | Promise<void>;

/** What `app.agentmesh` shows of a server built by `buildHttpServer`. */
export interface AgentmeshServerState {
  /** Role name given to `buildHttpServer`. */
  readonly name: string;
  /** Version given to `buildHttpServer`. */
  readonly version: string;
  /** True from the moment draining starts: `/ready` answers 503 and new requests get a fast 503. */
  readonly draining: boolean;
  /** With `tls`: the certificate served and its reloads (`reload`, `reload-failed` events). */
  readonly certificates: CertificateReloader | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** agentmesh's state of this server (set by `buildHttpServer`). */
    agentmesh: AgentmeshServerState;
  }
}

/** The outcome of a drain. */
export interface DrainOutcome {
  /** True when connections were still open at the deadline and had to be cut. */
  deadlineHit: boolean;
}

/** Per-server lifecycle state; lives on the `agentmesh` decorator. */
export class ServerState implements AgentmeshServerState {
  readonly name: string;
  readonly version: string;
  readonly log: Logger;
  readonly startedAt: number;
  certificates: CertificateReloader | undefined;
  /** What `/health` and `/ready` answer, on the public port and the probe listener alike (set by `buildHttpServer`). */
  probes: ProbeAnswers | undefined;
  #draining = false;
  /** One per open stream: registered and removed at request rate (see RemovableList). */
  readonly #hooks = new RemovableList<DrainHook>();
  #drain: Promise<DrainOutcome> | undefined;

  constructor(options: { name: string; version: string; log: Logger }) {
    this.name = options.name;
    this.version = options.version;
    this.log = options.log;
    this.startedAt = performance.now();
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Marks the server draining without running a drain (someone called `app.close()` directly). */
  markDraining(): void {
    this.#draining = true;
  }

  /** Registers a drain hook; returns a function that unregisters it (a stream that ended on its own). */
  addDrainHook(hook: DrainHook): () => void {
    return this.#hooks.add(hook);
  }

  /**
   * Runs `run` once: later calls get the first drain's promise, so two
   * signals or a signal plus an embedding caller never close twice.
   */
  drainOnce(run: () => Promise<DrainOutcome>): Promise<DrainOutcome> {
    if (this.#drain === undefined) {
      this.#draining = true;
      this.#drain = run();
    }
    return this.#drain;
  }

  /** The registered hooks, as a snapshot (hooks may unregister while running). */
  drainHooks(): DrainHook[] {
    return this.#hooks.toArray();
  }
}

/** The state of a server built by `buildHttpServer`; throws for any other Fastify instance. */
export function stateOf(app: FastifyInstance): ServerState {
  const state: unknown = (app as { agentmesh?: unknown }).agentmesh;
  if (!(state instanceof ServerState)) {
    throw new TypeError('this Fastify instance was not built by buildHttpServer()');
  }
  return state;
}
