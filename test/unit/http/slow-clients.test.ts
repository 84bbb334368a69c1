import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { testServer } from './test-server.js';

/**
 * Opens a raw connection, writes `head`, then trickles one byte of `drip`
 * every 50 ms until the server answers or closes (or `drip` runs out).
 * Resolves with the status line and whether the trickle was still going.
 */
function trickle(port: number, head: string, drip: string): Promise<{ statusLine: string; stillTrickling: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < drip.length) socket.write(drip[sent++]!);
      }, 50);
    });
    socket.on('data', (chunk) => {
      received += String(chunk);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', stillTrickling: sent < drip.length });
    });
  });
}

// Trickles that would last 30 s and more: the server must cut them long before.
const SLOW_HEADERS = 'x-slow: ' + 'a'.repeat(600) + '\r\n\r\n';
const SLOW_BODY = 'b'.repeat(600);

const TRICKLES = [
  {
    name: 'a client trickling its headers gets 408 at the headers deadline',
    timeouts: { headersTimeoutMs: 300, requestTimeoutMs: 5_000 },
    head: 'POST / HTTP/1.1\r\nHost: localhost\r\n',
    drip: SLOW_HEADERS,
  },
  {
    name: 'a client trickling its body gets 408 at the request deadline',
    timeouts: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    head: `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: ${SLOW_BODY.length}\r\n\r\n`,
    drip: SLOW_BODY,
  },
];

for (const c of TRICKLES) {
  test(c.name, async (t) => {
    const { app } = testServer(c.timeouts);
    app.post('/', async () => 'ok');
    t.after(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const result = await trickle(port, c.head, c.drip);
    assert.equal(result.statusLine, 'HTTP/1.1 408 Request Timeout');
    assert.ok(result.stillTrickling);
  });
}

test('the request deadline does not bound the answer once the request is in', async (t) => {
  const { app } = testServer({ headersTimeoutMs: 100, requestTimeoutMs: 200, handlerTimeoutMs: 0 });
  let answered!: () => void;
  const later = new Promise<void>((resolve) => (answered = resolve));
  // Answers only after the request deadline has been checked several times over.
  app.post('/', async () => {
    await new Promise<void>((resolve) => {
      let checks = 0;
      const timer = setInterval(() => {
        if (++checks === 10) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    answered();
    return 'late but fine';
  });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
  await later;
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'late but fine');
});

test('headersTimeoutMs longer than requestTimeoutMs is refused when the server is built', () => {
  assert.throws(() => testServer({ headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 }), /"headersTimeoutMs" option must be a positive integer no larger than "requestTimeoutMs"/);
});
