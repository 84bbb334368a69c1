import { type AgentmeshError, Errors, errorCode } from '../../protocol/index.js';

/** A role as the CLI starts it: listening is the last step that can fail. */
interface Listenable<T> {
  listen(): Promise<T>;
  close(): Promise<void>;
}

/** A port a role binds, and how an operator moves it: named when the address is taken. */
export interface PortOwner {
  /** The port configured (0 = any free port: never taken). */
  port: number | undefined;
  /** What listens there, for people: `the gateway's metrics listener`. */
  component: string;
  /** The option and variable that move it: `--metrics-port (env GATEWAY_METRICS_PORT)`. */
  option: string;
}

/**
 * Listens, or closes the role and rethrows: a role that cannot listen (port
 * in use) still holds what it opened when it was created (Redis connections,
 * database pools), and those would keep the process alive, not listening,
 * instead of letting it exit non-zero for its process manager to restart.
 *
 * `ports` names what binds which port: an address in use (or refused) is
 * reported with the component and the option that moves it, not as Node's
 * bare `listen EADDRINUSE 127.0.0.1:4010`.
 */
export async function listenOrClose<T>(role: Listenable<T>, ports: readonly PortOwner[] = []): Promise<T> {
  try {
    return await role.listen();
  } catch (err) {
    await role.close().catch(() => undefined);
    throw portError(err, ports) ?? err;
  }
}

/** Node's listen error as one that names its component and option, when `ports` says whose port it was. */
export function portError(err: unknown, ports: readonly PortOwner[]): AgentmeshError | undefined {
  // Node's system error: its fields read by name, each only when it has the type Node gives it.
  const text = (name: string): string | undefined => {
    const value: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, name) : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const port: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'port') : undefined;
  const e = { code: errorCode(err), syscall: text('syscall'), address: text('address'), hostname: text('hostname'), port: typeof port === 'number' ? port : undefined };
  // An interface this host does not have, or a name that resolves to none: the host is at fault, not a port.
  if ((e.code === 'EADDRNOTAVAIL' && e.syscall === 'listen') || ((e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') && e.syscall === 'getaddrinfo')) {
    const why = e.code === 'EADDRNOTAVAIL' ? 'no interface of this host has that address' : 'that name does not resolve to an address';
    return Errors.cliHostUnusable({ component: ports[0]?.component ?? 'the server', host: e.address ?? e.hostname ?? 'the host', why }, { cause: err });
  }
  if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') return undefined;
  const owner = ports.find((p) => p.port !== undefined && p.port !== 0 && p.port === e.port) ?? (ports.length === 1 ? ports[0] : undefined);
  if (owner === undefined) return undefined;
  const where = `${e.address ?? 'the host'}:${e.port ?? owner.port}`;
  const why = e.code === 'EADDRINUSE' ? 'the address is in use (another agentmesh, or another program, listens there)' : 'this user may not bind that port';
  return Errors.cliPortTaken({ component: owner.component, where, why, option: owner.option }, { cause: err });
}

/** Runs `listen` (a role already in the caller's closers), naming the component and option of a port in use. */
export async function listenNamed<T>(listen: () => Promise<T>, ports: readonly PortOwner[]): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    throw portError(err, ports) ?? err;
  }
}

/** Whether `err` is a listen refused because another process holds the address (as {@link portError} reports it, or Node's own). */
export function isPortInUse(err: unknown): boolean {
  const cause: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'cause') : undefined;
  return errorCode(err) === 'EADDRINUSE' || errorCode(cause) === 'EADDRINUSE';
}
