import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { reservePort } from '../../../src/http/index.js';

function listenOn(port: number, reusePort: boolean, answer = ''): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end(answer));
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', reusePort }, () => resolve(server));
  });
}

async function answerAt(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'end');
  return text;
}

const closing = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

// libuv offers SO_REUSEPORT on Linux and FreeBSD only; elsewhere the reservation is released at once, by design.
const holds = process.platform === 'linux' || process.platform === 'freebsd';

test('a reserved port is refused to anyone binding it the ordinary way until released', { skip: holds ? false : `${process.platform} has no SO_REUSEPORT in libuv` }, async () => {
  const reservation = await reservePort('127.0.0.1');
  assert.equal(reservation.shared, true);
  await assert.rejects(listenOn(reservation.port, false), { code: 'EADDRINUSE' });
  await reservation.release();
  const later = await listenOn(reservation.port, false);
  await closing(later);
});

test('the role binds beside its reservation, and once released every connection reaches the role', async () => {
  const reservation = await reservePort('127.0.0.1');
  const role = await listenOn(reservation.port, reservation.shared, 'the role');
  await reservation.release();
  // Released twice (once listening, once by the start-up's disposer): the second is the first's promise.
  await reservation.release();
  for (let i = 0; i < 20; i++) assert.equal(await answerAt(reservation.port), 'the role');
  await closing(role);
});

test('reservations never hand out a port already held', async () => {
  const held = await Promise.all(Array.from({ length: 30 }, () => reservePort('127.0.0.1')));
  assert.equal(new Set(held.map((r) => r.port)).size, held.length);
  await Promise.all(held.map((r) => r.release()));
});
