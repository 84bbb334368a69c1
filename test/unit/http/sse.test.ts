import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { openSse, type SseStream } from '../../../src/http/index.js';
import { gate, testServer } from './test-server.js';

/** Opens `/events` on a server whose handler hands its stream to the test. */
async function serveStream(t: { after(fn: () => Promise<unknown>): void }): Promise<{ stream: Promise<SseStream>; url: string }> {
  const { app } = testServer();
  const opened = gate<SseStream>();
  app.get('/events', async (request, reply) => {
    const stream = openSse(request, reply, { heartbeatMs: 60_000 });
    stream.send('{"hello":1}', 1);
    opened.open(stream);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return { stream: opened.promise, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/events` };
}

test('an SSE stream is closed, and its signal aborted, when the client goes away', async (t) => {
  const { stream, url } = await serveStream(t);
  const req = httpRequest(url);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(res.headers['content-type'], 'text/event-stream');
  const sse = await stream;
  assert.equal(sse.closed, false);
  // Asked for while open: it aborts on the client's close.
  const signal = sse.signal;
  const aborted = once(signal, 'abort');
  req.destroy();
  await aborted;
  assert.equal(sse.closed, true);
  assert.equal(signal.aborted, true);
});

test('the signal of an SSE stream asked for after it closed is already aborted', async (t) => {
  const { stream, url } = await serveStream(t);
  const req = httpRequest(url);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const sse = await stream;
  const ended = once(res, 'end');
  res.resume();
  sse.close();
  await ended;
  assert.equal(sse.closed, true);
  assert.equal(sse.signal.aborted, true);
  // Writing to a closed stream is a no-op, not an error.
  sse.send('{"late":true}', 2);
});
