import { createServer, type Server } from 'node:net';

/**
 * A port picked for a role that must know it before it listens (a public
 * URL naming it, cluster workers sharing it), held until the role listens.
 *
 * Picking a port with `listen(0)` and closing the probe leaves a window, as
 * long as the role's start-up (a database connection can take seconds), in
 * which any other process's `listen(0)` may be handed the same port: the
 * role then fails with EADDRINUSE on a port nobody asked for. So the probe
 * stays bound with SO_REUSEPORT, which keeps the port from everyone else
 * while the role binds beside it with the same flag; the probe is closed
 * once the role listens. It accepts no connection meanwhile: nobody knows
 * the port before the role announces it.
 *
 * Where SO_REUSEPORT is not offered (libuv has it on Linux and FreeBSD),
 * the probe is released at once and `shared` is false: the window is back,
 * and the role listens as it otherwise would.
 */
export interface PortReservation {
  readonly port: number;
  /** Whether the role must listen with `reusePort: true` beside the held probe (false: nothing is held). */
  readonly shared: boolean;
  /** Closes the probe; idempotent. Called once the role listens, or when its start-up fails. */
  release(): Promise<void>;
}

function listenProbe(host: string, reusePort: boolean): Promise<Server> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host, reusePort }, () => {
      probe.off('error', reject);
      resolve(probe);
    });
  });
}

function portOf(probe: Server): number {
  const address = probe.address();
  if (address === null || typeof address !== 'object') throw new TypeError('the probe listened on no TCP port');
  return address.port;
}

function closed(probe: Server): Promise<void> {
  return new Promise((resolve) => probe.close(() => resolve()));
}

/** Reserves a TCP port free on `host`: see {@link PortReservation}. */
export async function reservePort(host: string): Promise<PortReservation> {
  let probe: Server;
  let shared = true;
  try {
    probe = await listenProbe(host, true);
  } catch {
    // SO_REUSEPORT refused by this platform (ENOTSUP) or this host: a plain probe, released below.
    shared = false;
    probe = await listenProbe(host, false);
  }
  const port = portOf(probe);
  let release: Promise<void> | undefined;
  const reservation: PortReservation = { port, shared, release: () => (release ??= closed(probe)) };
  if (!shared) await reservation.release();
  return reservation;
}
