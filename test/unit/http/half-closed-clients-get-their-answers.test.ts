import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { checkHalfOpen, loadHalfOpen } from '../../../src/http/node-http-internals.js';
import { allowHalfOpen } from '../../../src/http/server/half-open.js';
import { createLogger } from '../../../src/observability/logger.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { createTestPki } from '../../helpers/test-pki.js';
import type { HttpServerOptions } from '../../../src/http/index.js';
import { testServer } from './test-server.js';

/**
 * A client that half-closes (a FIN after its request, as `nc -N` sends) still reads: every server
 * `buildHttpServer` makes answers it, whenever the answer is given, and closes the connection after it
 * (ADR 0069, "Half-close"). node:http's switch for this is undocumented: it is checked by what it does
 * first, and a server whose check fails keeps node:http's default, saying why at warn.
 */

/** A server built as roles build it whose `/late` answers only once the server has read the client's FIN. */
async function lateAnswers(t: TestContext, overrides: Partial<HttpServerOptions> = {}): Promise<FastifyInstance> {
  const s = testServer(overrides);
  s.app.get('/late', async (request) => {
    const socket = request.raw.socket;
    if (!socket.readableEnded) await once(socket, 'end');
    return 'late';
  });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => s.app.close());
  return s.app;
}

/** Sends `request` then half-closes; everything read until the server closes the connection. */
async function halfClosed(socket: Socket, request: string): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end(request);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

const LATE = 'GET /late HTTP/1.1\r\nHost: h\r\n\r\n';

test("this Node's half-open switch passes its check", async () => {
  assert.equal(typeof (await loadHalfOpen()), 'object');
});

test('a switch that does not keep the answer of a half-closed connection is refused, with its reason', async () => {
  assert.match(String(await checkHalfOpen({ allow: () => undefined })), /ended a half-closed connection without its answer/);
  // node:http's switch alone: a stream whose client sent its FIN would go on until its next write met a reset.
  assert.match(String(await checkHalfOpen({ allow: (server) => Reflect.set(server, 'httpAllowHalfOpen', true) })), /did not end a stream at its client's FIN/);
});

test('a server built by buildHttpServer answers a client that half-closed before the answer was given, then closes', async (t) => {
  const app = await lateAnswers(t);
  const answer = await halfClosed(tcpConnect((app.server.address() as AddressInfo).port, '127.0.0.1'), LATE);
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nlate$/);
});

test('over TLS too', async (t) => {
  const pki = await createTestPki();
  t.after(() => pki.close());
  const { certFile, keyFile } = await pki.issue('localhost');
  const app = await lateAnswers(t, { tls: { certFile, keyFile, clientAuth: 'off' } });
  const socket = tlsConnect({ port: (app.server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca });
  await once(socket, 'secureConnect');
  const answer = await halfClosed(socket, LATE);
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nlate$/);
});

test("a server whose switch fails its check keeps node:http's default, and says why at warn", async (t) => {
  const { stream, records } = memoryDestination();
  const log = createLogger({ level: 'info', destination: stream });
  const server: Server = createServer((req, res) => {
    if (req.socket.readableEnded) res.end('late');
    else req.socket.once('end', () => res.end('late'));
  });
  await allowHalfOpen(server, log, async () => 'the switch is not as this test says');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  assert.deepEqual(
    records()
      .filter((line) => line['level'] === 40)
      .map((line) => [line['msg'], line['reason']]),
    [["a client that half-closes its connection gets no answer: node:http's half-open switch cannot be used on this Node", 'the switch is not as this test says']],
  );
  // node:http's default: the connection ends at the client's FIN, before the answer.
  assert.equal(await halfClosed(tcpConnect((server.address() as AddressInfo).port, '127.0.0.1'), LATE), '');
});

test('a server built with halfClose: end reads a FIN as the client gone: the connection ends there, unanswered', async (t) => {
  const app = await lateAnswers(t, { halfClose: 'end' });
  assert.equal(await halfClosed(tcpConnect((app.server.address() as AddressInfo).port, '127.0.0.1'), LATE), '');
});
