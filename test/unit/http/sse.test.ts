import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { openSse, type SseStream } from '../../../src/http/server/sse.js';
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

test('events sent in the turn a stream closes reach the client before the end of its body', async (t) => {
  const { stream, url } = await serveStream(t);
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  // The opening event is on the wire: the later ones start a new corked turn.
  while (!text.includes('\n\n')) text += decoder.decode((await reader.read()).value, { stream: true });
  const sse = await stream;
  sse.send('{"n":2}', 2);
  sse.send('{"n":3}', 3);
  sse.close();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
  assert.equal(text, 'id: 1\ndata: {"hello":1}\n\nid: 2\ndata: {"n":2}\n\nid: 3\ndata: {"n":3}\n\n');
});
