import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Readable, duplexPair, finished } from 'node:stream';
import type { DataPlaneRoute, DataPlaneServer } from '../../../src/http/index.js';
import { gate, testServer } from './test-server.js';
import { H, exchange, mask, peers, statuses, type Seen } from './data-plane-servers.js';

/**
 * What node:http's server does over a response's life — streams under back-pressure, a client that leaves
 * or half-closes, socket timeouts, keep-alive deadlines, a server closing — done alike by the llhttp front
 * (ADR 0065, 0069): each case run on both servers, what a client or handler sees compared.
 */

test('closing the server closes idle kept-alive connections and lets an answer in flight finish, on either server', async () => {
  for (const kind of ['node', 'llhttp'] as const) {
    const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*' };
    const s = testServer({ dataPlane: route, dataPlaneServer: kind });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    route.handle = async (request, reply) => {
      if (request.url === '/plane/slow') await held;
      reply.send('done');
    };
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (s.app.server.address() as AddressInfo).port;
    const idle = connect(port, '127.0.0.1');
    idle.write(`GET /plane/a HTTP/1.1\r\n${H}\r\n`);
    await once(idle, 'data');
    const busy = connect(port, '127.0.0.1');
    const busyData: Buffer[] = [];
    busy.on('data', (chunk: Buffer) => busyData.push(chunk));
    busy.write(`GET /plane/slow HTTP/1.1\r\n${H}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idleClosed = once(idle, 'close');
    const busyClosed = once(busy, 'close');
    const closing = s.app.close();
    await idleClosed;
    release();
    for (let i = 0; i < 200 && !Buffer.concat(busyData).toString().endsWith('done'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.match(Buffer.concat(busyData).toString(), /^HTTP\/1\.1 200 [\s\S]*done$/, kind);
    // node:http keeps that connection until its keep-alive deadline; the drain's deadline cuts it (closeAllConnections).
    s.app.server.closeAllConnections();
    await busyClosed;
    await closing;
  }
});

/**
 * Sends `requests` on an in-memory connection to `server` (in-process dispatch's kind: 16 KiB before a write
 * waits) and resolves to everything answered, as latin1, once a chunked body's last chunk has come.
 */
async function untilChunkedEnd(server: Server, requests: string): Promise<string> {
  const [client, served] = duplexPair();
  Object.assign(served, { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 0 });
  server.emit('connection', served);
  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => {
    client.on('data', (chunk: Buffer) => {
      received.push(chunk);
      // The last chunk of a chunked body, whichever write it came in.
      if (Buffer.concat(received.slice(-2)).toString('latin1').endsWith('\r\n0\r\n\r\n')) resolve();
    });
  });
  client.write(requests);
  await ended;
  client.destroy();
  return Buffer.concat(received).toString('latin1');
}

test('a streamed answer the socket cannot take at once is written to its last byte, on either server', { timeout: 20_000 }, async (t) => {
  // An in-memory connection takes 16 KiB before its writes wait: every 64 KiB chunk meets back-pressure, and the
  // answer goes on only if the socket's `drain` reaches the response the stream is piped into.
  const chunks = 32;
  for (const kind of ['node', 'llhttp'] as const) {
    const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*' };
    const s = testServer({ dataPlane: route, dataPlaneServer: kind });
    route.handle = async (_request, reply) => {
      reply.header('content-type', 'text/plain').send(Readable.from(Array.from({ length: chunks }, (_, i) => Buffer.alloc(65_536, 0x61 + (i % 26)))));
    };
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => s.app.close());
    const answer = await untilChunkedEnd(s.app.server, `GET /plane/big HTTP/1.1\r\n${H}\r\n`);
    let body = '';
    for (let at = answer.indexOf('\r\n\r\n') + 4, size = -1; size !== 0; ) {
      const line = answer.indexOf('\r\n', at);
      size = parseInt(answer.slice(at, line), 16);
      body += answer.slice(line + 2, line + 2 + size);
      at = line + 2 + size + 2;
    }
    assert.equal(body.length, chunks * 65_536, `${kind}: the whole body`);
    assert.equal(body.slice(-65_536), String.fromCharCode(0x61 + ((chunks - 1) % 26)).repeat(65_536), `${kind}: the last chunk last`);
  }
});

test('a streamed answer to a client that does not read is held by back-pressure, on either server', async (t) => {
  for (const kind of ['node', 'llhttp'] as const) {
    const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*' };
    const s = testServer({ dataPlane: route, dataPlaneServer: kind });
    let produced = 0;
    let destroyed = false;
    route.handle = async (_request, reply) => {
      const body = new Readable({
        read() {
          produced += 65_536;
          this.push(Buffer.alloc(65_536, 0x61));
        },
        destroy(err, callback) {
          destroyed = true;
          callback(err);
        },
      });
      reply.header('content-type', 'text/event-stream').send(body);
    };
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => s.app.close());
    const socket = connect((s.app.server.address() as AddressInfo).port, '127.0.0.1');
    socket.write(`GET /plane/sse HTTP/1.1\r\n${H}\r\n`);
    await once(socket, 'data');
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = produced;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(produced, held, `${kind}: nothing more is produced while the client does not read`);
    assert.ok(produced < 64 * 1024 * 1024, `${kind}: ${produced} bytes produced`);
    socket.destroy();
    for (let i = 0; i < 100 && !destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(destroyed, true, `${kind}: a client that leaves destroys the body (and so aborts what feeds it)`);
  }
});

/** A server of `kind` whose plane requests all go to `handle`, listening on port 0. */
async function planeServer(t: TestContext, kind: DataPlaneServer, handle: NonNullable<DataPlaneRoute['handle']>) {
  const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*', handle };
  const s = testServer({ dataPlane: route, dataPlaneServer: kind });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => s.app.close());
  return { server: s.app.server, port: (s.app.server.address() as AddressInfo).port, metrics: s.metrics };
}

test('a response asked for after the client left is already closed, as node:http\'s is, on either server', { timeout: 10_000 }, async (t) => {
  // A handler that reaches for the response only once the client is gone (its answer came late) must be told at
  // once: what it waits for (`finished`, the response's close) would otherwise never come, and a body piped in waits.
  for (const kind of ['node', 'llhttp'] as const) {
    const seen = gate<{ destroyed: boolean; finished: string }>();
    const entered = gate();
    const { port } = await planeServer(t, kind, async (request, reply) => {
      entered.open();
      const socket = request.raw.socket;
      // Not `once`: it rejects on the reset's `error`, which comes first.
      if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
      const raw = reply.raw;
      const destroyed = raw.destroyed;
      finished(raw, (err) => seen.open({ destroyed, finished: (err as NodeJS.ErrnoException | undefined)?.code ?? 'finished' }));
      reply.header('content-type', 'text/event-stream').send(Readable.from(['data: 1\n\n']));
    });
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /plane/late HTTP/1.1\r\n${H}\r\n`);
    await entered.promise;
    // A reset: the server hears the client is gone (a FIN alone says only that it has nothing more to send).
    socket.resetAndDestroy();
    assert.deepEqual(await seen.promise, { destroyed: true, finished: 'ERR_STREAM_PREMATURE_CLOSE' }, kind);
  }
});

test('an idle kept-alive connection closes after keepAliveTimeout and node:http\'s keepAliveTimeoutBuffer, on either server', { timeout: 10_000 }, async (t) => {
  // node:http waits a little longer than the Keep-Alive header says (1 s by default), so a client that reuses the
  // connection just before the advertised deadline does not meet a reset.
  for (const kind of ['node', 'llhttp'] as const) {
    const { server, port } = await planeServer(t, kind, async (_request, reply) => {
      reply.send('ok');
    });
    server.keepAliveTimeout = 100;
    Object.assign(server, { keepAliveTimeoutBuffer: 400 });
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /plane/a HTTP/1.1\r\n${H}\r\n`);
    await once(socket, 'data');
    const answered = performance.now();
    await once(socket, 'close');
    const idle = performance.now() - answered;
    assert.ok(idle >= 480, `${kind}: closed after ${Math.round(idle)} ms`);
  }
});

test('a socket timeout during a stream goes to the response\'s timeout listener, as node:http sends it, on either server', { timeout: 10_000 }, async (t) => {
  // node:http destroys a connection whose timer fires only when nobody listens: the response's `setTimeout`
  // callback (or the server's) decides.
  for (const kind of ['node', 'llhttp'] as const) {
    const { port } = await planeServer(t, kind, async (_request, reply) => {
      const body = new Readable({ read() {} });
      body.push('data: 1\n\n');
      reply.raw.setTimeout(50, () => {
        body.push('data: 2\n\n');
        body.push(null);
      });
      reply.header('content-type', 'text/event-stream').send(body);
    });
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const ended = new Promise<string>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (Buffer.concat(chunks).toString('latin1').endsWith('\r\n0\r\n\r\n')) resolve('ended');
      });
      socket.on('close', () => resolve('closed'));
    });
    socket.write(`GET /plane/sse HTTP/1.1\r\n${H}\r\n`);
    assert.equal(await ended, 'ended', kind);
    assert.match(Buffer.concat(chunks).toString('latin1'), /data: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n$/, kind);
    socket.destroy();
  }
});

test('a server that limits requests per connection answers as node:http does, on either server', { timeout: 10_000 }, async (t) => {
  // The front counts no requests: a server given maxRequestsPerSocket (Fastify's option) leaves its connections to node:http.
  const answers: Seen[] = [];
  for (const peer of await peers(t)) {
    peer.server.maxRequestsPerSocket = 2;
    answers.push(await exchange(peer, { parts: [`GET /plane/1 HTTP/1.1\r\n${H}\r\n`, `GET /plane/2 HTTP/1.1\r\n${H}\r\n`, `GET /plane/3 HTTP/1.1\r\n${H}\r\n`], transport: 'tcp' }));
  }
  assert.deepEqual(statuses(answers[0]!), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 503']);
  assert.deepEqual(answers[1], answers[0]);
});

test('a streamed body sent after the client left is destroyed, on either server', { timeout: 10_000 }, async (t) => {
  // Piped into a response already closed it would wait for a drain that never comes, holding what feeds it.
  for (const kind of ['node', 'llhttp'] as const) {
    const entered = gate();
    const destroyed = gate();
    const { port } = await planeServer(t, kind, async (request, reply) => {
      entered.open();
      const socket = request.raw.socket;
      // Not `once`: it rejects on the reset's `error`, which comes first.
      if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
      const body = new Readable({
        read() {
          this.push(Buffer.alloc(65_536));
        },
        destroy(err, callback) {
          destroyed.open();
          callback(err);
        },
      });
      reply.header('content-type', 'text/event-stream').send(body);
    });
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /plane/late HTTP/1.1\r\n${H}\r\n`);
    await entered.promise;
    // A reset: the server hears the client is gone (a FIN alone says only that it has nothing more to send).
    socket.resetAndDestroy();
    await destroyed.promise;
  }
});

test('a large stream answered behind a slower answer is written to its last byte once its turn comes, on either server', { timeout: 20_000 }, async (t) => {
  // The stream's response has no socket yet: its writes wait in the response (its own back-pressure), and go on
  // after the socket is handed to it, through the response's own flush or the socket's `drain`.
  const chunks = 16;
  for (const kind of ['node', 'llhttp'] as const) {
    const slow = gate();
    const route: DataPlaneRoute = { prefix: '/plane/', routeLabel: () => '/plane/*' };
    const s = testServer({ dataPlane: route, dataPlaneServer: kind });
    route.handle = async (request, reply) => {
      if (request.url === '/plane/slow') {
        await slow.promise;
        reply.send('slow');
        return;
      }
      reply.header('content-type', 'text/plain').send(Readable.from(Array.from({ length: chunks }, (_, i) => Buffer.alloc(65_536, 0x61 + i))));
      slow.open();
    };
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => s.app.close());
    const answer = await untilChunkedEnd(s.app.server, `GET /plane/slow HTTP/1.1\r\n${H}\r\nGET /plane/big HTTP/1.1\r\n${H}\r\n`);
    assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nslowHTTP\/1\.1 200 /, kind);
    assert.equal(answer.split('a'.repeat(65_536)).length, 2, `${kind}: the first chunk once`);
    assert.ok(answer.includes(String.fromCharCode(0x61 + chunks - 1).repeat(65_536)), `${kind}: the last chunk`);
  }
});

test('a client that half-closes before its answer gets it, whole or streamed, and the request is recorded, on either server', { timeout: 10_000 }, async (t) => {
  // A FIN after the request (`nc -N`) says the client has nothing more to send, not that it stopped reading: the
  // answer given after the server read that FIN is written, and the connection closes after it (ADR 0069).
  for (const path of ['/plane/whole', '/plane/stream']) {
    const seen: string[] = [];
    for (const kind of ['node', 'llhttp'] as const) {
      const answered = gate();
      const { port, metrics } = await planeServer(t, kind, async (request, reply) => {
        const socket = request.raw.socket;
        if (!socket.readableEnded) await once(socket, 'end');
        reply.raw.once('close', () => setImmediate(() => answered.open()));
        if (request.url === '/plane/whole') reply.send('late');
        else reply.header('content-type', 'text/event-stream').send(Readable.from(['data: 1\n\n', 'data: 2\n\n']));
      });
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.end(`GET ${path} HTTP/1.1\r\n${H}\r\n`);
      await once(socket, 'close');
      // The request is recorded when its response closes.
      await answered.promise;
      const recorded = (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith('agentmesh_http_requests_total'));
      seen.push(`${mask(Buffer.concat(chunks).toString('latin1'))}; ${recorded.join(' ')}`);
    }
    assert.match(seen[0]!, path === '/plane/whole' ? /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nlate; .*status="200"\} 1$/ : /^HTTP\/1\.1 200 [\s\S]*\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n; .*status="200"\} 1$/, path);
    assert.equal(seen[1], seen[0], path);
  }
});

test('a client that half-closes during a stream ends it, and the body piped into it is destroyed, on either server', { timeout: 10_000 }, async (t) => {
  // A FIN read while a stream is being written ends the connection, as node:http's default does (half-open.ts): a
  // client that leaves sends no more than that, and the stream's next write fails, the response closes, and its
  // body (the relayed answer) goes with it, however long the stream would have stayed silent.
  const answers: string[] = [];
  for (const kind of ['node', 'llhttp'] as const) {
    const over = gate();
    const { port } = await planeServer(t, kind, async (_request, reply) => {
      const body = new Readable({
        read() {},
        destroy(err, callback) {
          over.open();
          callback(err);
        },
      });
      body.push('data: 1\n\n');
      reply.raw.once('close', () => body.push('data: after\n\n'));
      reply.header('content-type', 'text/event-stream').send(body);
    });
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.write(`GET /plane/sse HTTP/1.1\r\n${H}\r\n`);
    await once(socket, 'data');
    socket.end();
    await over.promise;
    await once(socket, 'close');
    answers.push(mask(Buffer.concat(chunks).toString('latin1')));
  }
  assert.match(answers[0]!, /\r\n\r\n9\r\ndata: 1\n\n\r\n$/);
  assert.equal(answers[1], answers[0]);
});

test('a response asked for after an answer was sent whole finishes and closes as node:http\'s does, on either server', { timeout: 10_000 }, async (t) => {
  // Behind the front such an answer was written without node:http's response: the one a handler gets afterwards
  // must still report the answer's end (`finished`, `finish`, `close`), at once if it is over.
  const seen: Record<string, string[]> = {};
  for (const kind of ['node', 'llhttp'] as const) {
    for (const when of ['at once', 'once answered', 'once the client left'] as const) {
      const events: string[] = [];
      const received = gate();
      const over = gate();
      const { port } = await planeServer(t, kind, async (request, reply) => {
        reply.send('whole');
        if (when !== 'at once') await received.promise;
        if (when === 'once the client left' && !request.raw.socket.destroyed) await once(request.raw.socket, 'close');
        const raw = reply.raw;
        raw.once('finish', () => events.push('finish'));
        raw.once('close', () => events.push('close'));
        finished(raw, (err) => {
          events.push(`finished ${(err as NodeJS.ErrnoException | undefined)?.code ?? 'ok'}`);
          over.open();
        });
      });
      const socket = connect(port, '127.0.0.1');
      socket.write(`GET /plane/a HTTP/1.1\r\n${H}\r\n`);
      await once(socket, 'data');
      if (when === 'once the client left') socket.destroy();
      received.open();
      await over.promise;
      socket.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      seen[`${kind} ${when}`] = events;
    }
  }
  for (const when of ['at once', 'once answered', 'once the client left']) assert.deepEqual(seen[`llhttp ${when}`], seen[`node ${when}`], when);
  assert.deepEqual(seen['node at once'], ['finish', 'close', 'finished ok']);
});
