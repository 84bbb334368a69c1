/*
 * What the primary and its gateway workers tell each other: the IPC
 * messages and the environment a worker is forked with.
 */

/** Set in a worker's environment: its slot (1…n), which stays when the primary replaces it. */
export const WORKER_SLOT_ENV = 'AGENTMESH_GATEWAY_WORKER';
/** Set in a worker's environment: the port every worker listens on (the primary resolved `--port 0`). */
export const WORKER_PORT_ENV = 'AGENTMESH_GATEWAY_WORKER_PORT';
/** Set to `1` in a worker's environment when the primary holds that port (its `--port 0` pick) until the workers listen: they bind beside it. */
export const WORKER_REUSE_PORT_ENV = 'AGENTMESH_GATEWAY_WORKER_REUSE_PORT';

/** A worker's message once its gateway listens. */
export interface WorkerReady {
  type: 'agentmesh:gateway-worker-ready';
  url: string;
  /** The probe listener's URL (PROBE_PORT, shared by the workers as the public port is). */
  probesUrl?: string | undefined;
}

export const isWorkerReady = (message: unknown): message is WorkerReady =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'agentmesh:gateway-worker-ready';
