import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy a fault test controls, put between a role and PostgreSQL or
 * Redis. `reset()` cuts every connection with an RST (a crashed server, a
 * dropped NAT entry); `pause()` stops moving bytes both ways while keeping
 * the sockets open (a half-open connection: the peer is silent, no FIN, no
 * RST); `refuse()` also closes the door to new connections until `heal()`;
 * `cutAfterClientSends(/commit/i)` lets a statement through, then resets the
 * client's side before any answer comes back (the server did it; the client
 * cannot know).
 *
 * @example
 * const proxy = await startTcpProxy(5432);
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/test`;
 * proxy.pause(); … proxy.heal();
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroys every open connection with an RST, both sides. */
  reset(): void;
  /** Stops forwarding (half-open): bytes sent either way are held, not delivered. New connections hang too. */
  pause(): void;
  /**
   * The open connections go silent for good (a failover left them pointing at
   * nothing; no FIN, no RST ever arrives) while new connections pass.
   */
  silenceOpen(): void;
  /** Refuses new connections (closed at once) and resets the open ones. */
  refuse(): void;
  /**
   * Until `heal()`: a chunk from the client matching `pattern` (read as latin1) is forwarded, the
   * server's side is ended (FIN, after the bytes) and the client's reset, so the server acts on the
   * request and its answer never arrives. A connection is cut this way at most once; new ones pass.
   * With `once`, only the first match is cut, and the proxy is back to passing everything. With
   * `drop`, the matching chunk is not forwarded and both sides are reset: the server never acts on it.
   */
  cutAfterClientSends(pattern: RegExp, options?: { once?: boolean; drop?: boolean }): void;
  /**
   * Holds every byte either way, in order, until `release()` delivers them: a slow link (TCP
   * retransmitting through a lossy path), where what was sent arrives late but whole.
   */
  hold(): void;
  /** Delivers what `hold()` kept, in the order it came, and passes everything again. */
  release(): void;
  /** Back to normal: held connections from a pause are cut (their state is unknown), new ones pass. */
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  silent?: boolean;
}

/** Closes with an RST when the socket is connected; one still connecting (or gone) is just destroyed. */
function rst(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.readyState !== 'open') socket.destroy();
  else socket.resetAndDestroy();
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: 'pass' | 'paused' | 'refusing' | 'holding' = 'pass';
  /** Writes held back by `hold()`, in arrival order. */
  let held: Array<() => void> = [];
  let cutAfter: RegExp | undefined;
  let cutOnce = false;
  let cutDrops = false;
  let accepted = 0;

  const cut = (pair: Pair) => {
    rst(pair.client);
    rst(pair.upstream);
    pairs.delete(pair);
  };

  const server = createServer((client) => {
    accepted++;
    if (mode === 'refusing') {
      rst(client);
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (mode === 'holding' && !pair.silent) {
          held.push(() => to.write(chunk));
          return;
        }
        // Paused or silenced: the bytes vanish, as on a link that went silent.
        if (mode !== 'pass' || pair.silent) return;
        if (from === client && cutAfter?.test(chunk.toString('latin1'))) {
          if (cutOnce) cutAfter = undefined;
          pairs.delete(pair);
          if (cutDrops) {
            rst(upstream);
          } else {
            to.write(chunk);
            upstream.end();
          }
          rst(client);
          return;
        }
        to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      if (pairs.delete(pair)) {
        client.destroy();
        upstream.destroy();
      }
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    get accepted() {
      return accepted;
    },
    reset() {
      for (const pair of [...pairs]) cut(pair);
    },
    pause() {
      mode = 'paused';
    },
    hold() {
      mode = 'holding';
    },
    release() {
      mode = 'pass';
      const writes = held;
      held = [];
      for (const write of writes) write();
    },
    silenceOpen() {
      for (const pair of pairs) pair.silent = true;
    },
    refuse() {
      mode = 'refusing';
      for (const pair of [...pairs]) cut(pair);
    },
    cutAfterClientSends(pattern, options = {}) {
      cutAfter = pattern;
      cutOnce = options.once === true;
      cutDrops = options.drop === true;
    },
    heal() {
      const wasPaused = mode === 'paused';
      mode = 'pass';
      cutAfter = undefined;
      // Bytes were dropped while paused: those streams are corrupt, as after a real partition.
      if (wasPaused) for (const pair of [...pairs]) cut(pair);
    },
    async close() {
      for (const pair of [...pairs]) cut(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy in front of the server `url` names (at its port, else `defaultPort`), and `url` rewritten to go through it. */
export async function proxyInFrontOf(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(url);
  const proxy = await startTcpProxy(Number(direct.port || defaultPort), direct.hostname);
  const proxied = new URL(url);
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.toString() };
}
