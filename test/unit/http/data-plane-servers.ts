import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Readable, duplexPair } from 'node:stream';
import type { DataPlaneRoute, DataPlaneServer, ExchangeReply, ExchangeRequest, HttpServerOptions } from '../../../src/http/index.js';
import { testServer } from './test-server.js';

/**
 * The hostile HTTP/1.1 suite's bench (ADR 0069): the same server built twice, once parsed by
 * node:http's server and once by the llhttp front, each case's bytes sent to both, and what comes back
 * — the answers as bytes (their volatile headers masked), whether the connection closed, and which
 * requests reached the plane's handler — compared whole.
 */

export const SERVERS: readonly DataPlaneServer[] = ['node', 'llhttp'];
export const H = 'Host: h\r\n';

/** One server of the pair, with the plane requests its handler ran, in order. */
export interface Peer {
  kind: DataPlaneServer;
  server: Server;
  port: number;
  ran: string[];
  /** Ends the event streams `/plane/held` keeps open. */
  release(): void;
}

/** How a case's bytes are sent. */
export interface Sent {
  /** Each its own write: over the in-memory connection, its own read of the server. */
  parts: Array<string | Buffer>;
  /** Every byte its own write. */
  bytewise?: boolean;
  /** A pause between two writes (a slow client); default none but a turn of the event loop. */
  gapMs?: number;
  /** The client half-closes (FIN) after the last part. */
  end?: boolean;
  /** `memory` (default): an in-memory connection, each write one read; `tcp`: a socket on loopback. */
  transport?: 'memory' | 'tcp';
  /** How long the answer must stay silent to be over, on a connection left open. Default 250 ms. */
  quietMs?: number;
  /** Once the answer is silent, the streams `/plane/held` keeps open are ended, and the answer read on until silent again. */
  thenRelease?: boolean;
}

/** What a client saw of a case. */
export interface Seen {
  answer: string;
  closed: boolean;
  /** The requests the handler ran, sorted (the two servers may run a read's requests in another order). */
  ran: string[];
  /** With `thenRelease`: the requests the handler had run while the held streams were open. */
  ranWhileHeld?: string[];
}

/** The plane's answers, by path: the ways the gateway answers (whole, streamed, held open, slow, closing). */
async function answer(peer: Peer, request: ExchangeRequest, reply: ExchangeReply, held: Set<Readable>): Promise<void> {
  peer.ran.push(`${request.method} ${request.url}`);
  const path = request.url;
  if (path.startsWith('/plane/held')) {
    const body = new Readable({ read() {} });
    body.push('data: 1\n\n');
    held.add(body);
    reply.header('content-type', 'text/event-stream').send(body);
    return;
  }
  if (path.startsWith('/plane/stream')) {
    reply.header('content-type', 'text/plain').send(Readable.from(['a', 'b']));
    return;
  }
  if (path.startsWith('/plane/slow')) await new Promise((resolve) => setTimeout(resolve, 40));
  if (path.startsWith('/plane/close')) reply.header('connection', 'close');
  const body = Buffer.isBuffer(request.body) ? request.body.toString('latin1') : '-';
  reply.send(`${request.method} ${path} ${body}`);
}

/** A plane handler of a test's own (the peer records what ran). */
export type PeerHandler = (peer: Peer, request: ExchangeRequest, reply: ExchangeReply) => Promise<void>;

/**
 * A server of each kind with the same settings: plane under `/plane/` (CORS requests to Fastify), `/control` on
 * Fastify; the plane's answers are `handle`'s, else the gateway's ways of answering (see `answer`).
 */
export async function peers(t: TestContext, settings: Partial<HttpServerOptions> = {}, handle?: PeerHandler): Promise<Peer[]> {
  const made: Peer[] = [];
  for (const kind of SERVERS) {
    const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*', accepts: (req) => req.headers.origin === undefined };
    const s = testServer({ dataPlane: route, dataPlaneServer: kind, bodyLimitBytes: 64, ...settings });
    s.app.all('/plane/*', async () => 'fastify');
    s.app.get('/control', async () => 'control');
    s.app.post('/control', async () => 'control');
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const held = new Set<Readable>();
    const peer: Peer = {
      kind,
      server: s.app.server,
      port: (s.app.server.address() as AddressInfo).port,
      ran: [],
      release: () => {
        for (const body of held) body.push(null);
        held.clear();
      },
    };
    route.handle = handle === undefined ? (request, reply) => answer(peer, request, reply, held) : (request, reply) => handle(peer, request, reply);
    t.after(async () => {
      peer.release();
      s.app.server.closeAllConnections();
      await s.app.close();
    });
    made.push(peer);
  }
  return made;
}

/** Sends `sent` to `peer` and reads until the connection closes or stays silent; the answers with volatile headers masked. */
export async function exchange(peer: Peer, sent: Sent): Promise<Seen> {
  const ranBefore = peer.ran.length;
  const chunks: Buffer[] = [];
  let closed = false;
  let heard = performance.now();
  const client = sent.transport === 'tcp' ? await tcpConnection(peer.port) : memoryConnection(peer.server);
  client.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    heard = performance.now();
  });
  client.on('error', () => undefined);
  const over = new Promise<void>((resolve) => {
    const done = (): void => {
      closed = true;
      resolve();
    };
    client.once('end', done);
    client.once('close', done);
  });
  const writes = sent.bytewise === true ? sent.parts.flatMap((part) => [...Buffer.from(part)].map((byte) => Buffer.of(byte))) : sent.parts;
  for (const part of writes) {
    if (closed) break;
    client.write(part);
    // A turn for the server to read it (over TCP, a pause so that each write is a read of its own).
    await new Promise((resolve) => (sent.gapMs !== undefined ? setTimeout(resolve, sent.gapMs) : sent.transport === 'tcp' ? setTimeout(resolve, 5) : setImmediate(resolve)));
  }
  if (sent.end === true && !closed) client.end();
  const quietMs = sent.quietMs ?? 250;
  const silent = async (): Promise<void> => {
    heard = performance.now();
    while (!closed && performance.now() - heard < quietMs) await Promise.race([over, new Promise((resolve) => setTimeout(resolve, 25))]);
  };
  await silent();
  let ranWhileHeld: string[] | undefined;
  if (sent.thenRelease === true) {
    ranWhileHeld = peer.ran.slice(ranBefore).sort();
    peer.release();
    await silent();
  }
  client.destroy();
  const seen: Seen = { answer: mask(Buffer.concat(chunks).toString('latin1')), closed, ran: peer.ran.slice(ranBefore).sort() };
  if (ranWhileHeld !== undefined) seen.ranWhileHeld = ranWhileHeld;
  return seen;
}

/** A connection over loopback, each write sent at once (no Nagle). */
async function tcpConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

/** A connection to `server` in memory, as in-process-servers.ts hands one over: each write arrives as a read of its own. */
function memoryConnection(server: Server) {
  const [client, served] = duplexPair();
  Object.assign(served, { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 0 });
  server.emit('connection', served);
  return client;
}

export function mask(text: string): string {
  return text
    .replace(/^date: .*$/gim, 'date: *')
    .replace(/^x-request-id: [0-9a-f-]{36}$/gim, 'x-request-id: *')
    .replace(/"requestId":"[0-9a-f-]{36}"/g, '"requestId":"*"')
    // A health check's uptime: the two servers started a moment apart.
    .replace(/"uptimeSeconds":\d+/g, '"uptimeSeconds":*');
}

/** The status lines of a masked answer, in order. */
export function statuses(seen: Seen): string[] {
  return (seen.answer.match(/HTTP\/1\.1 \d{3}(?= )/g) ?? []).map(String);
}

/**
 * Sends each case to both servers (at the same time) and asserts the front saw what node:http's server
 * saw; returns node:http's answers by case, for the assertions a case makes of them.
 */
export async function sameOnBoth(t: TestContext, cases: Record<string, Sent>, settings: Partial<HttpServerOptions> = {}, handle?: PeerHandler): Promise<Record<string, Seen>> {
  const seen: Record<string, Seen> = {};
  for (const [name, [a, b]] of Object.entries(await onBoth(t, cases, settings, handle))) {
    // When the requests ran, not whether, is the one difference (its own test pins it): compared once all is answered.
    assert.deepEqual({ ...b, ranWhileHeld: undefined }, { ...a, ranWhileHeld: undefined }, `${name}: the llhttp front answers otherwise than node:http's server`);
    seen[name] = a;
  }
  return seen;
}

/** Sends each case to both servers (at the same time); what each saw, node:http's server first. */
export async function onBoth(t: TestContext, cases: Record<string, Sent>, settings: Partial<HttpServerOptions> = {}, handle?: PeerHandler): Promise<Record<string, [Seen, Seen]>> {
  const [node, llhttp] = await peers(t, settings, handle);
  const seen: Record<string, [Seen, Seen]> = {};
  for (const [name, sent] of Object.entries(cases)) {
    seen[name] = await Promise.all([exchange(node!, sent), exchange(llhttp!, sent)]);
    node!.release();
    llhttp!.release();
  }
  return seen;
}
