import { createServer } from 'node:net';

/**
 * The first port from `from` on (at most `count` of them) that `host` can
 * listen on now, or undefined. Each is tried by listening and closing at
 * once: a port another process takes in between is still reported, by the
 * listen that follows, as taken.
 *
 * @example
 * await nextFreePort({ host: '127.0.0.1', from: 4000, count: 100 }); // 4001 while `agentmesh up` holds 4000
 */
export async function nextFreePort(options: { host: string; from: number; count: number }): Promise<number | undefined> {
  for (let port = options.from; port < options.from + options.count && port <= 65_535; port += 1) {
    if (await canListen(options.host, port)) return port;
  }
  return undefined;
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
