import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

/**
 * The kernel's ephemeral range (Linux), where port-0 listeners and outgoing
 * connections get their ports. A port picked there and released can be taken
 * by another test's `listen(0)` before the process that was given it binds;
 * ports below the range are taken only by someone asking for them by number.
 */
function ephemeralStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (start !== undefined && Number.isInteger(start) && start > 12_000) return start;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152
  }
  return 49_152;
}

const LOW = 10_000;
const HIGH = ephemeralStart() - 1;
const given = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on 127.0.0.1 now, for processes that must know their
 * address before they start: drawn below the ephemeral range and never the
 * same twice in one test process, so neither a port-0 listener nor a
 * sibling call takes it before its process binds.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (given.has(port)) continue;
    given.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH}`);
}

/** A local port with nothing listening: bind port 0, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
