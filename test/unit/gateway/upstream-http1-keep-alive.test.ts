import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExchangeAbort } from '../../../src/gateway/routing/upstream-exchange.js';
import { Http1Upstream } from '../../../src/gateway/routing/upstream-http1.js';

/**
 * The llhttp client's idle connections (ADR 0064): one past the keep-alive
 * the instance allows is never handed a request, even before the deadline
 * sweep (which may run up to a second late) has dropped it.
 */

test('an idle connection past its keep-alive gets no request before the sweep drops it', async (t) => {
  let connections = 0;
  // Node's server says `Keep-Alive: timeout=5`: the client keeps an idle connection 3 s.
  const server = createServer((_req, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'));
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  // Long deadlines: the sweep runs once a second, so it does not run within this test.
  const client = Http1Upstream.create({ connectTimeoutMs: 60_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 });
  if (typeof client === 'string') throw new Error(client);
  t.after(async () => {
    mock.timers.reset();
    await client.destroy();
    server.closeAllConnections();
    server.close();
  });
  const call = () => client.exchange({ origin, path: '/', method: 'GET', headers: {}, body: null }, new ExchangeAbort());

  assert.equal((await call()).bytes?.toString(), 'ok');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await call()).bytes?.toString(), 'ok');
  assert.equal(connections, 1, 'reused while within its keep-alive');

  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(3_001);
  assert.equal((await call()).bytes?.toString(), 'ok');
  assert.equal(connections, 2);
});
