/**
 * The connections of a server on which nothing has arrived yet, so a drain can close them.
 *
 * Why: node:http's `server.close()` closes the idle kept-alive connections, but not one that has
 * never carried a request (it cannot tell it from one whose first request is on its way). Load
 * balancers, `fetch` and browsers open such connections ahead of need; one of them held a role's
 * drain for its whole deadline, which then cut it and exited 1 on an orderly stop. A connection
 * that has received no byte at all by the time the role stops listening has no request under way:
 * closing it loses nothing, and its client opens the next one elsewhere.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const connections = new WeakMap<Server, Set<Socket>>();

/** Keeps the open connections of `server` (its plain TCP sockets, TLS ones included, counted before decryption). */
export function trackConnections(server: Server): void {
  if (connections.has(server)) return;
  const open = new Set<Socket>();
  connections.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}

/**
 * Destroys the connections of `server` that have received no byte (no request, no TLS
 * handshake); returns how many. A connection a client has written to is left to node:http.
 */
export function closeSilentConnections(server: Server): number {
  const open = connections.get(server);
  if (open === undefined) return 0;
  let closed = 0;
  for (const socket of open) {
    if (socket.bytesRead === 0 && !socket.destroyed) {
      socket.destroy();
      closed++;
    }
  }
  return closed;
}
