import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port free on `host` now: the kernel's pick for port 0, released for
 * the caller to bind. Used where a role must know its port before it
 * listens (a public URL naming it, cluster workers sharing one).
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
