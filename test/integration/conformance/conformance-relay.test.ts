/**
 * The relay `scripts/conformance.mjs run --through-gateway` puts between the
 * conformance suite and the gateway (docs/conformance.md, "Through the
 * gateway"): every request reaches the gateway with the tenant's bearer token
 * and as sent otherwise, and answers come back as they are written, a stream
 * event by event, so the suite sees the gateway's behaviour and nothing of
 * the relay's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRelay, type Relay } from '../../../scripts/conformance-gateway.mjs';

describe('the conformance relay before the gateway', () => {
  let upstream: Server;
  let relay: Relay;
  let seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
  /** Lets the stream's second event go once the client has read the first. */
  let releaseSecond: () => void = () => {};

  before(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/agents/tck/message:stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: {"n":1}\n\n');
          new Promise<void>((r) => { releaseSecond = r; }).then(() => res.end('data: {"n":2}\n\n'), () => {});
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json', etag: '"x"' }).end('{"error":{"code":404}}');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    relay = await startRelay();
  });
  after(async () => {
    releaseSecond();
    await relay?.close();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  test('before the gateway is known it answers 503 and forwards nothing', async () => {
    const res = await fetch(`${relay.url}/agents/tck/.well-known/agent-card.json`);
    assert.equal(res.status, 503);
    assert.equal(seen.length, 0);
  });

  test('every request carries the token, its own ones replaced, with method, path, body and headers kept', async () => {
    relay.forwardTo(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, 'tok-1');
    seen = [];
    const res = await fetch(`${relay.url}/agents/tck/tasks/t-1?historyLength=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/a2a+json', 'a2a-version': '1.0', authorization: 'Bearer someone-else' },
      body: '{"id":"t-1"}',
    });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('etag'), '"x"');
    assert.equal(await res.text(), '{"error":{"code":404}}');
    assert.equal(seen.length, 1);
    const [got] = seen;
    assert.equal(got!.method, 'POST');
    assert.equal(got!.url, '/agents/tck/tasks/t-1?historyLength=2');
    assert.equal(got!.body, '{"id":"t-1"}');
    assert.equal(got!.headers.authorization, 'Bearer tok-1');
    assert.equal(got!.headers['content-type'], 'application/a2a+json');
    assert.equal(got!.headers['a2a-version'], '1.0');
  });

  test('a stream reaches the client event by event, not when it ends', async () => {
    const res = await fetch(`${relay.url}/agents/tck/message:stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    assert.equal(decoder.decode(first.value), 'data: {"n":1}\n\n');
    releaseSecond();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    assert.equal(rest, 'data: {"n":2}\n\n');
  });

  test('a gateway that cannot be reached is a 502 naming the relay', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    relay.forwardTo(`http://127.0.0.1:${port}`, 'tok-1');
    const res = await fetch(`${relay.url}/agents/tck/.well-known/agent-card.json`);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /^relay: /);
  });
});
